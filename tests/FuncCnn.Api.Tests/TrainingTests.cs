using System.Diagnostics;
using FuncCnn;
using Xunit;
using Xunit.Abstractions;

namespace FuncCnn.Api.Tests;

public class TrainingTests(ITestOutputHelper output)
{
    /// <summary>Reports synchronously on the training thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class Recorder(Action<TrainingProgress>? onReport = null) : IProgress<TrainingProgress>
    {
        public List<TrainingProgress> Reports { get; } = [];
        public void Report(TrainingProgress value) { Reports.Add(value); onReport?.Invoke(value); }
    }

    [Fact]
    public void A_small_cnn_learns_a_real_mnist_slice_through_the_csharp_api()
    {
        // 3,000 training images, three epochs (72 steps of batch 128), tested on 1,000 unseen images.
        // The stated accuracy: at least 88% on the test images.
        var train = Mnist.Train.Take(3000);
        var test = Mnist.Test.Take(1000);
        var clock = Stopwatch.StartNew();
        var progress = new Recorder();
        var (trained, history) = Mnist.SmallCnn().Build(seed: 0).Fit(train, new TrainingOptions { Epochs = 3, BatchSize = 128, LearningRate = 0.005, Seed = 0 }, progress);
        var result = trained.Evaluate(test);
        output.WriteLine($"trained in {clock.Elapsed.TotalSeconds:F1}s; test accuracy {result.Accuracy:P1}, loss {result.Loss:F3}");

        Assert.True(result.Accuracy >= 0.88, $"test accuracy {result.Accuracy:P1} is below 88%");
        Assert.Equal(3, history.Epochs.Count);
        Assert.True(history.Epochs[2].TrainLoss < history.Epochs[0].TrainLoss);
        Assert.False(history.Cancelled);
        Assert.Equal(3 * 24, progress.Reports.Count);
        Assert.Equal(24, progress.Reports[^1].Batches);
        Assert.Equal(3000, progress.Reports[^1].ExamplesSeen);
        Assert.Equal(history.Epochs[2].TrainLoss, progress.Reports[^1].RunningLoss, 12);
        Assert.Equal(history.Epochs[2].TrainAccuracy!.Value, progress.Reports[^1].RunningAccuracy, 12);

        Assert.Equal(Enumerable.Range(0, 10).Select(i => i.ToString()), trained.ClassNames);
        Assert.Equal(1000, result.Count);
        Assert.Equal(result.Misclassified.Count, 1000 - Enumerable.Range(0, 10).Sum(c => result.ConfusionMatrix[c, c]));
        Assert.Equal(1000, Enumerable.Range(0, 10).SelectMany(a => Enumerable.Range(0, 10).Select(p => result.ConfusionMatrix[a, p])).Sum());
    }

    [Fact]
    public void An_uncancelled_fit_equals_the_core_fit_bit_for_bit()
    {
        var data = Mnist.Train.Take(200);
        var model = ModelZoo.Build("mnist-5x5", seed: 3); // has dropout: the dropout generator must match too
        // every option away from its default, so a mapping that drops or mangles one shows
        var options = new TrainingOptions { Epochs = 2, BatchSize = 48, Seed = 5, ValidationSplit = 0.2, LearningRate = 0.002 };
        var api = model.Fit(data, options);
        var core = CoreFit.Run(model, data, epochs: 2, batchSize: 48, seed: 5, validationSplit: 0.2, learningRate: 0.002f);
        Assert.Equal(2, api.History.Epochs.Count);
        Assert.Equal(core.Losses, api.History.Epochs.Select(e => e.TrainLoss));
        Assert.Equal(core.ValidationLosses, api.History.Epochs.Select(e => e.ValidationLoss!.Value));
        foreach (var layer in new[] { "conv2d", "conv2d_1", "dense", "dense_1" })
            Assert.Equal(core.Model.Filters(layer).Weights, api.Model.Filters(layer).Weights);
    }

    [Fact]
    public void Cancellation_stops_at_the_next_batch_and_returns_the_partial_model_and_history()
    {
        var data = Mnist.Train.Take(640);
        var model = ModelZoo.Build("fashion-dense", seed: 1);
        using var cts = new CancellationTokenSource();
        var progress = new Recorder(p => { if (p.Epoch == 2 && p.Batch == 3) cts.Cancel(); });
        var (trained, history) = model.Fit(data, new TrainingOptions { Epochs = 5, BatchSize = 64 }, progress, cts.Token);

        Assert.True(history.Cancelled);
        Assert.Equal(10 + 3, progress.Reports.Count);
        Assert.Equal(2, history.Epochs.Count);
        Assert.True(history.Epochs[0].Complete);
        Assert.False(history.Epochs[1].Complete);
        Assert.Equal(progress.Reports[^1].RunningLoss, history.Epochs[1].TrainLoss, 12);
        Assert.NotEqual(model.Filters("dense").Weights, trained.Filters("dense").Weights);

        using var already = new CancellationTokenSource();
        already.Cancel();
        var untouched = model.Fit(data, new TrainingOptions { Epochs = 1 }, null, already.Token);
        Assert.True(untouched.History.Cancelled);
        Assert.Empty(untouched.History.Epochs);
        Assert.Equal(model.Filters("dense").Weights, untouched.Model.Filters("dense").Weights);
    }

    [Fact]
    public async Task FitAsync_trains_off_the_calling_thread_and_can_be_cancelled()
    {
        var data = Mnist.Train.Take(256);
        var model = ModelZoo.Build("fashion-dense", seed: 2);
        var sync = model.Fit(data, new TrainingOptions { Epochs = 1, BatchSize = 32 });

        // The first batch's report says where it runs, then waits until FitAsync has returned to its
        // caller, who meanwhile blocks (without yielding its thread) until that report arrives. A
        // FitAsync that trained on the calling thread would report from the caller's thread and
        // not return until training ended, so the report's wait would time out.
        var callerThread = Environment.CurrentManagedThreadId;
        var firstBatchThread = -1;
        using var started = new ManualResetEventSlim(false);
        using var returned = new ManualResetEventSlim(false);
        var returnedBeforeFirstBatch = false;
        var watcher = new Recorder(p =>
        {
            if (p.Epoch != 1 || p.Batch != 1) return;
            firstBatchThread = Environment.CurrentManagedThreadId;
            started.Set();
            returnedBeforeFirstBatch = returned.Wait(TimeSpan.FromSeconds(10));
        });
        var running = model.FitAsync(data, new TrainingOptions { Epochs = 1, BatchSize = 32 }, watcher);
        Assert.True(started.Wait(TimeSpan.FromSeconds(60)), "no batch was reported");
        Assert.NotEqual(callerThread, firstBatchThread);
        returned.Set();
        var async = await running;
        Assert.True(returnedBeforeFirstBatch, "FitAsync returned only after training: it trains on the calling thread");
        Assert.Equal(sync.History.Epochs[0].TrainLoss, async.History.Epochs[0].TrainLoss);

        using var cts = new CancellationTokenSource();
        var progress = new Recorder(p => { if (p.Batch == 2) cts.Cancel(); });
        var partial = await model.FitAsync(data, new TrainingOptions { Epochs = 3, BatchSize = 32 }, progress, cts.Token);
        Assert.True(partial.History.Cancelled);
        Assert.Equal(2, progress.Reports.Count);
    }

    [Fact]
    public void Early_stopping_and_frozen_layers()
    {
        var data = Mnist.Train.Take(256);
        var model = ModelZoo.Build("fashion-dense", seed: 4);
        var frozen = model.Fit(data, new TrainingOptions { Epochs = 1, BatchSize = 64, FrozenLayers = ["dense"] }).Model;
        Assert.Equal(model.Filters("dense").Weights, frozen.Filters("dense").Weights);
        Assert.NotEqual(model.Filters("dense_1").Weights, frozen.Filters("dense_1").Weights);

        // A learning rate of 1e-12 never improves the loss: patience 1 stops after epoch 2.
        var stopped = model.Fit(data, new TrainingOptions
        {
            Epochs = 10, BatchSize = 64, Optimizer = Optimizer.Sgd, LearningRate = 1e-12, Shuffle = false,
            EarlyStopping = new EarlyStopping(StoppingMetric.TrainingLoss, Patience: 1, MinDelta: 1e-3),
        }).History;
        Assert.True(stopped.StoppedEarly);
        Assert.Equal(2, stopped.Epochs.Count);
        Assert.Equal(1, stopped.BestEpoch);
    }

    [Fact]
    public void Bad_options_and_mismatched_data_fail_with_messages_that_say_what_to_fix()
    {
        var model = ModelZoo.Build("fashion-dense");
        var data = Mnist.Train.Take(10);
        // The ranges are the core's rules; the API only maps the options (one source for each rule).
        foreach (var (options, says) in new (TrainingOptions, string)[]
        {
            (new TrainingOptions { LearningRate = -1 }, "learning rate"),
            (new TrainingOptions { LearningRate = double.NaN }, "learning rate"),
            (new TrainingOptions { LearningRate = 1e300 }, "learning rate"),
            (new TrainingOptions { BatchSize = 0 }, "batch size"),
            (new TrainingOptions { Epochs = -1 }, "epochs"),
            (new TrainingOptions { ValidationSplit = -0.1 }, "validation split"),
            (new TrainingOptions { ValidationSplit = 1.5 }, "validation split"),
            (new TrainingOptions { Optimizer = Optimizer.Sgd, Momentum = 1 }, "momentum"),
        })
        {
            var e = Assert.Throws<InvalidValueException>(() => model.Fit(data, options));
            Assert.Contains(says, e.Message);
        }
        var es = Assert.Throws<ArgumentException>(() => model.Fit(data, new TrainingOptions { EarlyStopping = new EarlyStopping() }));
        Assert.Contains("ValidationSplit", es.Message);
        var shape = Assert.Throws<ShapeException>(() => ModelZoo.Build("o-vs-x").Fit(data));
        Assert.Contains("(1,28,28)", shape.Message);
        var classes = Assert.Throws<ShapeException>(() => ModelBuilder.Input(1, 28, 28).Flatten().Dense(3).Build().Fit(data));
        Assert.Contains("Dense(10)", classes.Message);
    }

    [Fact]
    public void History_round_trips_through_json_and_writes_csv()
    {
        var history = new TrainingHistory([new EpochResult(1, 0.5, 0.8, 0.6, null, 0.001, 1.5), new EpochResult(2, 0.25, 0.9, null, null, 0.001, 1.25, Complete: false)], Cancelled: true);
        var back = TrainingHistory.FromJson(history.ToJson());
        Assert.Equal(history.Epochs, back.Epochs);
        Assert.True(back.Cancelled);
        var csv = history.ToCsv().Split('\n');
        Assert.Equal("epoch,train_loss,train_accuracy,val_loss,val_accuracy,learning_rate,seconds,complete", csv[0]);
        Assert.Equal("1,0.5,0.8,0.6,,0.001,1.5,true", csv[1]);
        Assert.Throws<DataFormatException>(() => TrainingHistory.FromJson("[1,2"));
    }
}
