using Transfer.IO;
using Transfer.Rules;
using Transfer.Rules.Errors;
using Transfer.Rules.Yaml;

namespace Transfer.Cli.Commands;

/// <summary>Loads the <c>--rules</c> file of <c>plan</c> and <c>apply</c>, refusing a pipe or device before it can block.</summary>
internal static class RuleFiles
{
    /// <summary>The rules in <paramref name="path"/>, or the default rules when no file is given.</summary>
    public static RuleSet Load(string? path) =>
        path is null ? RuleSet.Default
        : RegularFile.Problem(path) is string problem ? throw new RuleConfigException($"{path}: {problem}")
        : RuleSetYaml.Load(path);
}
