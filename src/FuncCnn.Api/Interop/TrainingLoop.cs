using FuncCnn.Core;
using System.Diagnostics;
using System.Globalization;
using Microsoft.FSharp.Core;
using CoreModel = FuncCnn.Core.Model;
using CoreDataset = FuncCnn.Core.Data.Dataset;
using CoreEarlyStopping = FuncCnn.Core.EarlyStopping;

namespace FuncCnn.Interop;

/// <summary>
/// Maps the C# training options onto the core's TrainConfig and runs the core's fit (Train.fit):
/// per-batch progress comes from its OnBatch hook, cancellation from its ShouldStop check before
/// every batch, so the fold over epochs and batches exists once, in the core.
/// </summary>
internal static class TrainingLoop
{
    public sealed record Outcome(CoreModel Model, TrainingHistory History);

    public static TrainConfig Config(TrainingOptions o, bool reconstruct = false) =>
        Config(o, reconstruct, Train.defaults.OnBatch, Train.defaults.ShouldStop);

    // reconstruct: binary cross-entropy against the input pixels (an autoencoder), no accuracy.
    private static TrainConfig Config(TrainingOptions o, bool reconstruct, FSharpFunc<BatchProgress, Unit> onBatch, FSharpFunc<Unit, bool> shouldStop)
    {
        // The ranges of epochs, batch size, learning rate, validation split and momentum are the core's
        // rules (Train.fit, Optim): it throws InvalidValueException naming the option and the value.
        var optimizer = o.Optimizer switch
        {
            Optimizer.Adam => Optim.adamKeras,
            Optimizer.Sgd => Optim.Optimizer.NewSgd((float)o.Momentum),
            _ => throw new ArgumentOutOfRangeException(nameof(o), o.Optimizer, "Unknown optimizer."),
        };
        if (o.ValidationData is not null && o.ValidationSplit > 0)
            throw new ArgumentException("Set either ValidationSplit or ValidationData, not both.", nameof(o));
        var validation =
            o.ValidationData is { } vd ? Validation.NewValidationSet(reconstruct ? DataBridge.Reconstruction(vd.Core) : DataBridge.Examples(vd.Core))
            : o.ValidationSplit != 0 ? Validation.NewValidationSplit(o.ValidationSplit)
            : Validation.NoValidation;
        var rate = (float)o.LearningRate;
        var d = Train.defaults;
        FSharpOption<CoreEarlyStopping> early = o.EarlyStopping is { } es
            ? FSharpOption<CoreEarlyStopping>.Some(new CoreEarlyStopping(Monitor(es.Monitor), es.Patience, es.MinDelta, es.RestoreBest))
            : FSharpOption<CoreEarlyStopping>.None;
        return new TrainConfig(
            reconstruct ? Loss.BinaryCrossEntropy : d.Loss, optimizer, FSharpFunc<int, float>.FromConverter(_ => rate),
            ModelBridge.Trainable(o.FrozenLayers ?? []),
            o.BatchSize, o.Epochs,
            validation,
            o.Seed, o.Shuffle, early, d.OnEpoch, onBatch, shouldStop);
    }

    private static FuncCnn.Core.Monitor Monitor(StoppingMetric m) => m switch
    {
        StoppingMetric.ValidationLoss => FuncCnn.Core.Monitor.ValLoss,
        StoppingMetric.ValidationAccuracy => FuncCnn.Core.Monitor.ValAccuracy,
        StoppingMetric.TrainingLoss => FuncCnn.Core.Monitor.TrainLoss,
        StoppingMetric.TrainingAccuracy => FuncCnn.Core.Monitor.TrainAccuracy,
        _ => throw new ArgumentOutOfRangeException(nameof(m), m, "Unknown metric."),
    };

    private static double? Value(FSharpOption<double>? o) => o is null ? null : o.Value; // None is null

    public static EpochResult Result(EpochRecord r) =>
        new(r.Epoch, r.TrainLoss, Value(r.TrainAccuracy), Value(r.ValLoss), Value(r.ValAccuracy), Rate(r.LearningRate), r.Seconds, r.Complete);

    /// <summary>A float32 rate as the double it was written as (0.001f becomes 0.001, not 0.0010000000474974513).</summary>
    private static double Rate(float rate) => double.Parse(rate.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static FSharpOption<double> Some(double? v) => v is { } d ? FSharpOption<double>.Some(d) : FSharpOption<double>.None;

    public static EpochRecord Record(EpochResult e) =>
        new(e.Epoch, e.TrainLoss, Some(e.TrainAccuracy), Some(e.ValidationLoss), Some(e.ValidationAccuracy), (float)e.LearningRate, e.Seconds, e.Complete);

    // reconstruct: train an autoencoder (binary cross-entropy against the input pixels, no accuracy).
    public static Outcome Fit(CoreModel model, CoreDataset data, TrainingOptions options, IProgress<TrainingProgress>? progress, CancellationToken cancellation,
        bool reconstruct = false)
    {
        _ = Config(options, reconstruct); // checks the options before any work
        if (options.FrozenLayers is { } frozen)
        {
            if (frozen.Any(n => n is null)) throw new ArgumentException("FrozenLayers holds a null name.", nameof(options));
            ModelModule.requireLayers("TrainingOptions.FrozenLayers", frozen, model);
        }
        if (data.Labels.Length == 0) throw new ArgumentException("The training dataset is empty.", nameof(data));
        if (!data.ImageShape.SequenceEqual(model.InputShape))
            throw new ShapeException($"The dataset's images have shape ({string.Join(",", data.ImageShape)}) but the model takes ({string.Join(",", model.InputShape)}) (C,H,W, NCHW); build the model for the dataset's image shape.");
        int classes = model.OutputShape.Length == 1 ? model.OutputShape[0] : -1;
        if (reconstruct && !model.OutputShape.SequenceEqual(model.InputShape))
            throw new ShapeException($"Training to reconstruct the input needs an output of the input's shape ({string.Join(",", model.InputShape)}), but the model's output has shape ({string.Join(",", model.OutputShape)}).");
        if (!reconstruct && classes < data.ClassNames.Length)
            throw new ShapeException($"The dataset has {data.ClassNames.Length} classes but the model's output has shape ({string.Join(",", model.OutputShape)}); end the model with Dense({data.ClassNames.Length}).");
        if (options.ValidationData is { } vd)
        {
            if (vd.Count == 0) throw new ArgumentException("ValidationData is empty.", nameof(options));
            if (!vd.Core.ImageShape.SequenceEqual(model.InputShape))
                throw new ShapeException($"ValidationData's images have shape ({string.Join(",", vd.Core.ImageShape)}) but the model takes ({string.Join(",", model.InputShape)}) (C,H,W).");
            if (!reconstruct && classes < vd.ClassNames.Count)
                throw new ShapeException($"ValidationData has {vd.ClassNames.Count} classes but the model's output has shape ({string.Join(",", model.OutputShape)}).");
        }
        var es = options.EarlyStopping;
        if (es is not null && options.ValidationSplit <= 0 && options.ValidationData is null && es.Monitor is StoppingMetric.ValidationLoss or StoppingMetric.ValidationAccuracy)
            throw new ArgumentException($"Early stopping monitors {es.Monitor} but there is no validation data; set ValidationSplit (e.g. 0.1) or ValidationData, or monitor TrainingLoss.", nameof(options));
        if (reconstruct && es?.Monitor is StoppingMetric.ValidationAccuracy or StoppingMetric.TrainingAccuracy)
            throw new ArgumentException($"Early stopping monitors {es.Monitor} but reconstruction training measures no accuracy; monitor a loss.", nameof(options));

        var clock = Stopwatch.StartNew();
        var onBatch = FSharpFunc<BatchProgress, Unit>.FromConverter(b =>
        {
            progress?.Report(new TrainingProgress(b.ProgressEpoch, options.Epochs, b.Batch, b.Batches, b.BatchLoss,
                b.RunningLoss, Value(b.RunningAccuracy) ?? double.NaN, b.Seen, clock.Elapsed));
            return null!; // unit
        });
        var shouldStop = FSharpFunc<Unit, bool>.FromConverter(_ => cancellation.IsCancellationRequested);
        var examples = reconstruct ? DataBridge.Reconstruction(data) : DataBridge.Examples(data);
        var result = Train.fit(Config(options, reconstruct, onBatch, shouldStop), model, examples);
        var history = new TrainingHistory(result.History.Select(Result).ToArray(), result.Cancelled, result.StoppedEarly,
            result.BestEpoch is null ? null : result.BestEpoch.Value);
        return new Outcome(result.Trained, history);
    }
}
