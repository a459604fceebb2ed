using Transfer.Cli.Commands;

namespace Transfer.Tests.Cli;

public sealed class ResumeCommandTests
{
    [Fact]
    public void The_resume_line_repeats_the_run_with_resume_quoting_what_a_shell_would_split()
    {
        Assert.Equal(
            "transfer run 'configs/my run.yaml' --out runs/x --set 'finetune.freeze=[conv.*]' --set 'data.path=it'\\''s' --threads 2 --resume",
            RunCommand.ResumeCommand("configs/my run.yaml", "runs/x", ["finetune.freeze=[conv.*]", "data.path=it's"], 2));
        Assert.Equal("transfer run a.yaml --out o --resume", RunCommand.ResumeCommand("a.yaml", "o", [], null));
    }
}
