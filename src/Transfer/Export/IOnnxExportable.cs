namespace Transfer.Export;

/// <summary>
/// Lets a user module export itself: the exporter calls <see cref="ExportOnnx"/> instead of refusing the
/// module as unsupported. The module adds its nodes (and its parameters, by their state-dict names) through
/// the graph builder and can hand its children back to the exporter with
/// <see cref="OnnxGraphBuilder.Module"/>.
/// </summary>
public interface IOnnxExportable
{
    /// <summary>Emits the nodes that compute this module's forward pass in eval mode.</summary>
    /// <param name="graph">The graph being built, positioned at this module's path.</param>
    /// <param name="input">The name of the value the module receives.</param>
    /// <returns>The name of the value the module produces.</returns>
    string ExportOnnx(OnnxGraphBuilder graph, string input);
}
