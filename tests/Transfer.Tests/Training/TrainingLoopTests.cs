using TorchSharp;
using Transfer.Data;
using Transfer.Models;
using Transfer.Training;

namespace Transfer.Tests.Training;

public sealed class TrainingLoopTests
{
    /// <summary>Two separable, zero-centred classes: images of class 1 average +0.5, images of class 0 average -0.5.</summary>
    private static LabeledTensors Separable(int count, int seed)
    {
        using torch.Generator g = new torch.Generator((ulong)seed);
        torch.Tensor labels = torch.randint(0, 2, [count], generator: g, dtype: torch.int64);
        using torch.Tensor noise = torch.rand([count, 1, 28, 28], generator: g);
        using torch.Tensor level = labels.to_type(torch.float32).reshape(count, 1, 1, 1);
        torch.Tensor images = noise.sub(0.5).mul(0.5).add(level.sub(0.5));
        return new LabeledTensors(images, labels, 2);
    }

    internal static T Seeded<T>(T model, ulong seed)
        where T : torch.nn.Module
    {
        using torch.Generator g = new(seed);
        SeededInit.Apply(model, g);
        return model;
    }

    private static (EpochStats Stats, float[] Weights) TrainOnce(LabeledTensors data, ulong seed)
    {
        using Mlp model = Seeded(new Mlp(784, [16], 2), 42);
        using torch.optim.Optimizer adam = torch.optim.Adam(model.parameters(), 1e-2);
        using torch.Generator shuffle = new torch.Generator(seed);
        EpochStats stats = TrainingLoop.TrainEpoch(model, adam, data, 16, shuffle);
        return (stats, model.state_dict()["1.weight"].data<float>().ToArray());
    }

    [Fact]
    public void Same_seed_gives_bitwise_identical_weights_and_stats()
    {
        using LabeledTensors data = Separable(200, 1);
        (EpochStats a, float[] wa) = TrainOnce(data, 7);
        (EpochStats b, float[] wb) = TrainOnce(data, 7);
        (EpochStats _, float[] wc) = TrainOnce(data, 8);
        Assert.Equal(a, b);
        Assert.Equal(wa, wb);
        Assert.NotEqual(wa, wc);
    }

    [Fact]
    public void Training_learns_a_separable_task_and_evaluate_measures_it()
    {
        using LabeledTensors train = Separable(400, 1);
        using LabeledTensors test = Separable(200, 2);
        using Mlp model = Seeded(new Mlp(784, [16], 2), 1);
        using torch.optim.Optimizer adam = torch.optim.Adam(model.parameters(), 1e-2);
        List<(long, long)> calls = new();
        EpochStats first = TrainingLoop.TrainEpoch(model, adam, train, 64, null, (done, total) => calls.Add((done, total)));
        EpochStats second = TrainingLoop.TrainEpoch(model, adam, train, 64);
        EpochStats eval = TrainingLoop.Evaluate(model, test, 64);

        Assert.Equal(400, first.Examples);
        Assert.Equal(new (long, long)[] { (64, 400), (128, 400), (192, 400), (256, 400), (320, 400), (384, 400), (400, 400) }, calls);
        Assert.True(second.Loss < first.Loss, $"{second.Loss} !< {first.Loss}");
        Assert.Equal(200, eval.Examples);
        Assert.True(eval.Accuracy > 0.95, $"{first} {second} {eval}");
        Assert.False(model.training);
    }

    [Fact]
    public void Cancellation_stops_training_before_the_next_batch()
    {
        using LabeledTensors data = Separable(100, 1);
        using Mlp model = new(784, [16], 2);
        using torch.optim.Optimizer adam = torch.optim.Adam(model.parameters(), 1e-2);
        using CancellationTokenSource cancel = new();
        List<long> done = new();
        Assert.Throws<OperationCanceledException>(() => TrainingLoop.TrainEpoch(
            model, adam, data, 10, progress: (d, _) =>
            {
                done.Add(d);
                cancel.Cancel();
            },
            cancellation: cancel.Token));
        Assert.Equal(new long[] { 10 }, done);
    }

    [Fact]
    public void Evaluate_accuracy_counts_argmax_hits_exactly()
    {
        using Mlp model = new(1, [], 2);
        using (torch.NewDisposeScope())
        using (torch.no_grad())
        {
            // logits = [x, -x]: class 0 wins when x > 0.
            model.state_dict()["1.weight"].copy_(torch.tensor(new float[] { 1, -1 }).reshape(2, 1));
            model.state_dict()["1.bias"].zero_();
        }

        torch.Tensor images = torch.tensor(new float[] { 1, 2, -1, -3 }).reshape(4, 1, 1, 1);
        torch.Tensor labels = torch.tensor(new long[] { 0, 1, 1, 1 });
        using LabeledTensors data = new(images, labels, 2);
        EpochStats stats = TrainingLoop.Evaluate(model, data, 3);
        Assert.Equal(0.75, stats.Accuracy);
        Assert.Equal(4, stats.Examples);
    }
}

public sealed class TrainingLoopMemoryTests
{
    [Fact]
    public void Epochs_leave_no_live_tensors_behind()
    {
        using LeNet5 model = TrainingLoopTests.Seeded(new LeNet5(), 3);
        using torch.optim.Optimizer adam = torch.optim.Adam(model.parameters(), 1e-3);
        using torch.Generator shuffle = new torch.Generator(1);
        using torch.Generator draw = new torch.Generator(2);
        using LabeledTensors data = new(
            torch.rand([96, 1, 28, 28], generator: draw), torch.randint(0, 10, [96], generator: draw, dtype: torch.int64), 10);

        // The first epoch creates Adam's state; after that every epoch must end where it started.
        TrainingLoop.TrainEpoch(model, adam, data, 32, shuffle);
        TrainingLoop.Evaluate(model, data, 32);
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 3; i++)
        {
            TrainingLoop.TrainEpoch(model, adam, data, 32, shuffle);
            TrainingLoop.Evaluate(model, data, 32);
        }

        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
