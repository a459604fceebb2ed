using System.CommandLine;

namespace Transfer.Cli.Commands;

/// <summary><c>--allow-expansion</c>: read a file whose tensors hold far more bytes than the file (see the README).</summary>
internal static class ExpansionOption
{
    public static Option<bool> Create() => new("--allow-expansion")
    {
        Description = "Read a checkpoint whose tensors hold more than 16 × its file size + 64 MiB (views repeating stored bytes, such as stride-0 expansions); refused by default.",
    };
}
