namespace Transfer.Export;

/// <summary>What the exported graph's <c>output</c> holds.</summary>
public enum OnnxOutputKind
{
    /// <summary>The model's float32 logits <c>[N, classes]</c>.</summary>
    Logits,

    /// <summary>Softmax over the logits, float32 <c>[N, classes]</c>.</summary>
    Probabilities,

    /// <summary>ArgMax over the logits, the predicted class as int64 <c>[N]</c>.</summary>
    Label,
}
