using FuncCnn.Core;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FuncCnn;

/// <summary>Early stopping: stop when <see cref="Monitor"/> has not improved by more than <see cref="MinDelta"/> for <see cref="Patience"/> epochs.</summary>
/// <param name="Monitor">The quantity watched.</param>
/// <param name="Patience">Epochs without improvement before stopping (at least 0).</param>
/// <param name="MinDelta">The smallest change that counts as an improvement.</param>
/// <param name="RestoreBest">Return the parameters of the best epoch rather than the last.</param>
public sealed record EarlyStopping(StoppingMetric Monitor = StoppingMetric.ValidationLoss, int Patience = 3, double MinDelta = 0.0, bool RestoreBest = true);

/// <summary>How to train. Defaults follow Keras: Adam at 0.001, batch 128, one epoch, shuffled, seed 0.</summary>
public sealed record TrainingOptions
{
    /// <summary>Passes over the training data (at least 0).</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Examples per optimizer step (at least 1); the last batch of an epoch may be smaller.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>The update rule.</summary>
    public Optimizer Optimizer { get; init; } = Optimizer.Adam;

    /// <summary>The learning rate (a finite number &gt; 0).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>SGD momentum in [0, 1) (ignored by Adam).</summary>
    public double Momentum { get; init; }

    /// <summary>The fraction of the training data kept aside for validation: the last part, taken before shuffling, as Keras does (0 = none).</summary>
    public double ValidationSplit { get; init; }

    /// <summary>
    /// Data to validate on after every epoch, e.g. the test set (Keras' <c>validation_data=(x_test, y_test)</c>):
    /// its loss and accuracy go into the history's validation columns and the curves. Null for none.
    /// Not combined with <see cref="ValidationSplit"/> (set one of them).
    /// </summary>
    public Dataset? ValidationData { get; init; }

    /// <summary>Seeds the shuffles and dropout: the same seed and data give the same history and parameters.</summary>
    public int Seed { get; init; }

    /// <summary>Shuffle the training examples every epoch.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Early stopping, or null to train every epoch.</summary>
    public EarlyStopping? EarlyStopping { get; init; }

    /// <summary>Names of layers whose parameters stay as they are (e.g. a pretrained encoder). A name the model does not have makes training throw <see cref="InvalidValueException"/> listing the model's layers.</summary>
    public IReadOnlyList<string> FrozenLayers { get; init; } = [];
}

/// <summary>Where training is, reported after every batch.</summary>
/// <param name="Epoch">The current epoch (1-based).</param>
/// <param name="Epochs">The number of epochs asked for.</param>
/// <param name="Batch">The batch just finished (1-based).</param>
/// <param name="Batches">The number of batches per epoch.</param>
/// <param name="BatchLoss">The loss of the batch just finished.</param>
/// <param name="RunningLoss">The mean loss per example over this epoch so far.</param>
/// <param name="RunningAccuracy">The accuracy over this epoch so far.</param>
/// <param name="ExamplesSeen">Examples trained on in this epoch so far.</param>
/// <param name="Elapsed">Time since training started.</param>
public sealed record TrainingProgress(int Epoch, int Epochs, int Batch, int Batches, double BatchLoss, double RunningLoss, double RunningAccuracy, int ExamplesSeen, TimeSpan Elapsed);

/// <summary>One epoch of training.</summary>
/// <param name="Epoch">The epoch number (1-based).</param>
/// <param name="TrainLoss">The mean training loss per example.</param>
/// <param name="TrainAccuracy">The training accuracy.</param>
/// <param name="ValidationLoss">The validation loss, or null without validation data.</param>
/// <param name="ValidationAccuracy">The validation accuracy, or null without validation data.</param>
/// <param name="LearningRate">The learning rate of the epoch's last step.</param>
/// <param name="Seconds">Wall-clock time of the epoch.</param>
/// <param name="Complete">False for an epoch cut short by cancellation (its numbers cover the batches done).</param>
public sealed record EpochResult(int Epoch, double TrainLoss, double? TrainAccuracy, double? ValidationLoss, double? ValidationAccuracy, double LearningRate, double Seconds, bool Complete = true);

/// <summary>What happened during training: one entry per epoch and how it ended.</summary>
/// <param name="Epochs">The epochs, in order (the last may be incomplete when training was cancelled).</param>
/// <param name="Cancelled">Training was stopped by its cancellation token.</param>
/// <param name="StoppedEarly">Early stopping ended training.</param>
/// <param name="BestEpoch">The epoch early stopping judged best, if it was used.</param>
public sealed record TrainingHistory(IReadOnlyList<EpochResult> Epochs, bool Cancelled = false, bool StoppedEarly = false, int? BestEpoch = null)
{
    /// <summary>An empty history (nothing trained).</summary>
    public static TrainingHistory Empty { get; } = new([]);

    /// <summary>The last epoch's results, or null when no epoch ran.</summary>
    [JsonIgnore]
    public EpochResult? Last => Epochs.Count == 0 ? null : Epochs[^1];

    /// <summary>The history as CSV with a header line; empty fields for missing values; invariant culture.</summary>
    public string ToCsv()
    {
        static string F(double? v) => v is { } d ? d.ToString("R", CultureInfo.InvariantCulture) : "";
        var sb = new StringBuilder("epoch,train_loss,train_accuracy,val_loss,val_accuracy,learning_rate,seconds,complete\n");
        foreach (var e in Epochs)
            sb.Append(CultureInfo.InvariantCulture, $"{e.Epoch},{F(e.TrainLoss)},{F(e.TrainAccuracy)},{F(e.ValidationLoss)},{F(e.ValidationAccuracy)},{F(e.LearningRate)},{F(e.Seconds)},{(e.Complete ? "true" : "false")}\n");
        return sb.ToString();
    }

    /// <summary>The history as indented JSON (camelCase names, nulls for missing values).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads a history written by <see cref="ToJson"/>.</summary>
    /// <exception cref="DataFormatException">The text is not such a history (the message says what is wrong).</exception>
    public static TrainingHistory FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        const string what = "training history JSON";
        TrainingHistory? history;
        try
        {
            history = JsonSerializer.Deserialize<TrainingHistory>(json, JsonOptions);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            throw new DataFormatException(what, "is not a training history written by TrainingHistory.ToJson: " + e.Message, e);
        }
        if (history is null) throw new DataFormatException(what, "is null, not a training history");
        if (history.Epochs is null) throw new DataFormatException(what, "has no \"epochs\" array");
        if (history.Epochs.Any(e => e is null)) throw new DataFormatException(what, "has a null epoch");
        return history;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
}

/// <summary>What training returns: the trained model and its history.</summary>
/// <param name="Model">The trained model (the input model is unchanged).</param>
/// <param name="History">The history of the run.</param>
public sealed record TrainingResult(Model Model, TrainingHistory History);
