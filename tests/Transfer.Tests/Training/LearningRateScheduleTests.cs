using Transfer.FineTuning.Config;
using Transfer.Training;

namespace Transfer.Tests.Training;

public sealed class LearningRateScheduleTests
{
    [Theory]
    [InlineData(1, 1.0)]
    [InlineData(2, 0.8535533905932737)]
    [InlineData(3, 0.5)]
    [InlineData(4, 0.14644660940672627)]
    public void Cosine_follows_pytorch_cosine_annealing_stepped_per_epoch(int epoch, double factor) =>
        Assert.Equal(factor, LearningRateSchedule.Factor(new SchedulerConfig(SchedulerType.Cosine), epoch, 4), 15);

    [Theory]
    [InlineData(1, 1.0)]
    [InlineData(2, 1.0)]
    [InlineData(3, 0.5)]
    [InlineData(5, 0.25)]
    public void Step_multiplies_by_gamma_every_step_size_epochs(int epoch, double factor) =>
        Assert.Equal(factor, LearningRateSchedule.Factor(new SchedulerConfig(SchedulerType.Step, 2, 0.5), epoch, 10));

    [Fact]
    public void None_keeps_the_base_rate() =>
        Assert.Equal(1.0, LearningRateSchedule.Factor(new SchedulerConfig(), 7, 10));
}
