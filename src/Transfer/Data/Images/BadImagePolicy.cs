namespace Transfer.Data.Images;

/// <summary>What a run does with an image that does not decode (<c>data.on_bad_image</c>).</summary>
internal enum BadImagePolicy
{
    /// <summary>List it once (file and reason, in the log and report.json) and train without it.</summary>
    Skip,

    /// <summary>Refuse the run before anything is written, naming the first bad image.</summary>
    Error,
}
