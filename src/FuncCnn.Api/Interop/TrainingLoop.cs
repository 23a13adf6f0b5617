using System.Diagnostics;
using System.Globalization;
using Microsoft.FSharp.Core;
using CoreModel = FuncCnn.Model;
using CoreDataset = FuncCnn.Data.Dataset;
using CoreEarlyStopping = FuncCnn.EarlyStopping;

namespace FuncCnn.Api.Interop;

/// <summary>
/// The core's fit (Train.fitFrom) driven batch by batch, so the API can report per-batch progress
/// and stop at a batch boundary. It makes exactly the core's calls in the core's order — the same
/// Train.stepWith, the same seeded shuffle per epoch (Rng "shuffle" / epoch), the same validation,
/// early stopping and history — so an uncancelled run equals Train.fit bit for bit (a test checks it).
/// </summary>
internal static class TrainingLoop
{
    public sealed record Outcome(CoreModel Model, TrainingHistory History);

    public static TrainConfig Config(TrainingOptions o, bool reconstruct = false)
    {
        if (o.Epochs < 0) throw new ArgumentOutOfRangeException(nameof(o), o.Epochs, "Epochs must be at least 0.");
        if (o.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(o), o.BatchSize, "The batch size must be at least 1.");
        if (!(o.LearningRate > 0) || !double.IsFinite(o.LearningRate))
            throw new ArgumentOutOfRangeException(nameof(o), o.LearningRate, "The learning rate must be a finite number above 0, e.g. 0.001.");
        if (!(o.ValidationSplit >= 0 && o.ValidationSplit < 1))
            throw new ArgumentOutOfRangeException(nameof(o), o.ValidationSplit, "The validation split must be in [0, 1), e.g. 0.1; 0 means no validation.");
        if (o.Optimizer == Optimizer.Sgd && !(o.Momentum >= 0 && o.Momentum < 1))
            throw new ArgumentOutOfRangeException(nameof(o), o.Momentum, "SGD momentum must be in [0, 1).");
        var optimizer = o.Optimizer switch
        {
            Optimizer.Adam => Optim.adamKeras,
            Optimizer.Sgd => Optim.Optimizer.NewSgd((float)o.Momentum),
            _ => throw new ArgumentOutOfRangeException(nameof(o), o.Optimizer, "Unknown optimizer."),
        };
        var rate = (float)o.LearningRate;
        var d = Train.defaults;
        FSharpOption<CoreEarlyStopping> early = o.EarlyStopping is { } es
            ? FSharpOption<CoreEarlyStopping>.Some(new CoreEarlyStopping(Monitor(es.Monitor), es.Patience, es.MinDelta, es.RestoreBest))
            : FSharpOption<CoreEarlyStopping>.None;
        return new TrainConfig(
            reconstruct ? Loss.BinaryCrossEntropy : d.Loss, optimizer, FSharpFunc<int, float>.FromConverter(_ => rate),
            ModelBridge.Trainable(o.FrozenLayers ?? []),
            o.BatchSize, o.Epochs,
            o.ValidationSplit > 0 ? Validation.NewValidationSplit(o.ValidationSplit) : Validation.NoValidation,
            o.Seed, o.Shuffle, early, d.OnEpoch, d.OnBatch);
    }

    private static FuncCnn.Monitor Monitor(StoppingMetric m) => m switch
    {
        StoppingMetric.ValidationLoss => FuncCnn.Monitor.ValLoss,
        StoppingMetric.ValidationAccuracy => FuncCnn.Monitor.ValAccuracy,
        StoppingMetric.TrainingLoss => FuncCnn.Monitor.TrainLoss,
        StoppingMetric.TrainingAccuracy => FuncCnn.Monitor.TrainAccuracy,
        _ => throw new ArgumentOutOfRangeException(nameof(m), m, "Unknown metric."),
    };

    private static double? Value(FSharpOption<double>? o) => o is null ? null : o.Value; // None is null

    public static EpochResult Result(EpochRecord r) =>
        new(r.Epoch, r.TrainLoss, Value(r.TrainAccuracy), Value(r.ValLoss), Value(r.ValAccuracy), Rate(r.LearningRate), r.Seconds);

    /// <summary>A float32 rate as the double it was written as (0.001f becomes 0.001, not 0.0010000000474974513).</summary>
    private static double Rate(float rate) => double.Parse(rate.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static FSharpOption<double> Some(double? v) => v is { } d ? FSharpOption<double>.Some(d) : FSharpOption<double>.None;

    public static EpochRecord Record(EpochResult e) =>
        new(e.Epoch, e.TrainLoss, Some(e.TrainAccuracy), Some(e.ValidationLoss), Some(e.ValidationAccuracy), (float)e.LearningRate, e.Seconds);

    private static double Monitored(StoppingMetric m, EpochResult r) => m switch
    {
        StoppingMetric.ValidationLoss => r.ValidationLoss!.Value,
        StoppingMetric.ValidationAccuracy => r.ValidationAccuracy!.Value,
        StoppingMetric.TrainingLoss => r.TrainLoss,
        _ => r.TrainAccuracy!.Value,
    };

    private static bool Improves(StoppingMetric m, double minDelta, double best, double current) =>
        m is StoppingMetric.ValidationLoss or StoppingMetric.TrainingLoss ? current < best - minDelta : current > best + minDelta;

    // reconstruct: train an autoencoder (binary cross-entropy against the input pixels, no accuracy).
    public static Outcome Fit(CoreModel model, CoreDataset data, TrainingOptions options, IProgress<TrainingProgress>? progress, CancellationToken cancellation,
        bool reconstruct = false)
    {
        var config = Config(options, reconstruct);
        if (data.Labels.Length == 0) throw new ArgumentException("The training dataset is empty.", nameof(data));
        if (!data.ImageShape.SequenceEqual(model.InputShape))
            throw new ShapeException($"The dataset's images have shape ({string.Join(",", data.ImageShape)}) but the model takes ({string.Join(",", model.InputShape)}) (C,H,W, NCHW); build the model for the dataset's image shape.");
        int classes = model.OutputShape.Length == 1 ? model.OutputShape[0] : -1;
        if (reconstruct && !model.OutputShape.SequenceEqual(model.InputShape))
            throw new ShapeException($"Training to reconstruct the input needs an output of the input's shape ({string.Join(",", model.InputShape)}), but the model's output has shape ({string.Join(",", model.OutputShape)}).");
        if (!reconstruct && classes < data.ClassNames.Length)
            throw new ShapeException($"The dataset has {data.ClassNames.Length} classes but the model's output has shape ({string.Join(",", model.OutputShape)}); end the model with Dense({data.ClassNames.Length}).");
        var all = reconstruct ? DataBridge.Reconstruction(data) : DataBridge.Examples(data);
        Examples train = all;
        Examples? validation = null;
        if (options.ValidationSplit > 0)
        {
            var parts = ExamplesModule.split(options.ValidationSplit, all);
            (train, validation) = (parts.Item1, parts.Item2);
        }
        var es = options.EarlyStopping;
        if (es is not null)
        {
            if (es.Patience < 0) throw new ArgumentOutOfRangeException(nameof(options), es.Patience, "Early stopping patience must be at least 0.");
            if (validation is null && es.Monitor is StoppingMetric.ValidationLoss or StoppingMetric.ValidationAccuracy)
                throw new ArgumentException($"Early stopping monitors {es.Monitor} but there is no validation data; set ValidationSplit (e.g. 0.1) or monitor TrainingLoss.", nameof(options));
            if (reconstruct && es.Monitor is StoppingMetric.ValidationAccuracy or StoppingMetric.TrainingAccuracy)
                throw new ArgumentException($"Early stopping monitors {es.Monitor} but reconstruction training measures no accuracy; monitor a loss.", nameof(options));
        }

        var clock = Stopwatch.StartNew();
        var state = Train.init(config, model);
        var history = new List<EpochResult>();
        (int Epoch, double Value, ParamTree Params)? best = null;
        int wait = 0;
        bool cancelled = false, stopped = false;
        for (int epoch = 1; epoch <= options.Epochs && !cancelled && !stopped; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            var order = config.Shuffle
                ? RngModule.permutation(train.Count, RngModule.fold(epoch.ToString(CultureInfo.InvariantCulture), RngModule.fold("shuffle", RngModule.create(config.Seed))))
                : Enumerable.Range(0, train.Count).ToArray();
            var batches = ExamplesModule.batchIndices(config.BatchSize, order);
            double lossSum = 0;
            int correct = 0, seen = 0;
            for (int b = 0; b < batches.Length; b++)
            {
                if (cancellation.IsCancellationRequested) { cancelled = true; break; }
                var (x, t) = train.Gather.Invoke(batches[b]);
                var (next, r) = Train.stepWith(config, state, x, t);
                if (!float.IsFinite(r.StepLoss)) throw new TrainingDivergedException(epoch, b + 1, r.StepLoss);
                state = next;
                lossSum += (double)r.StepLoss * r.Count;
                correct += r.Correct;
                seen += r.Count;
                progress?.Report(new TrainingProgress(epoch, options.Epochs, b + 1, batches.Length, r.StepLoss, lossSum / seen, reconstruct ? double.NaN : (double)correct / seen, seen, clock.Elapsed));
            }
            double rate = Rate(config.Schedule.Invoke(Math.Max(0, state.Optimizer.Step - 1)));
            if (cancelled)
            {
                if (seen > 0)
                    history.Add(new EpochResult(epoch, lossSum / seen, reconstruct ? null : (double)correct / seen, null, null, rate, epochClock.Elapsed.TotalSeconds, Complete: false));
                break;
            }
            Evaluation? eval = validation is null ? null : Train.evaluate(config.Loss, config.BatchSize, state.Model, validation);
            var record = new EpochResult(epoch, lossSum / train.Count, reconstruct ? null : (double)correct / train.Count,
                eval?.EvalLoss, eval is null ? null : Value(eval.Accuracy), rate, epochClock.Elapsed.TotalSeconds);
            history.Add(record);
            if (es is not null)
            {
                double value = Monitored(es.Monitor, record);
                if (best is { } bb && !Improves(es.Monitor, es.MinDelta, bb.Value, value)) wait++;
                else { best = (epoch, value, state.Model.Params); wait = 0; }
                if (wait > 0 && wait >= es.Patience) stopped = true;
            }
        }
        var trained = state.Model;
        if (es is { RestoreBest: true } && best is { } kept) trained = new CoreModel(trained.Layers, trained.InputShape, trained.OutputShape, kept.Params);
        return new Outcome(trained, new TrainingHistory(history.ToArray(), cancelled, stopped, best?.Epoch));
    }
}
