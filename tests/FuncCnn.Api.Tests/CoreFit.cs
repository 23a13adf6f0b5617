using FuncCnn.Core;
using Microsoft.FSharp.Core;

namespace FuncCnn.Api.Tests;

/// <summary>
/// The F# core's own Train.fit on the same model and data, for comparison with Model.Fit. Its
/// config is written here field by field from the values the caller states, never through the
/// API's option mapping (TrainingLoop.Config): a wrongly mapped option (seed, learning rate,
/// validation split, batch size, epochs) makes the two fits differ.
/// </summary>
internal static class CoreFit
{
    public sealed record Outcome(FuncCnn.Model Model, double[] Losses, double[] ValidationLosses);

    /// <summary>Trains with Adam (Keras' constants), sparse categorical cross-entropy, shuffling, no early stopping.</summary>
    public static Outcome Run(FuncCnn.Model model, FuncCnn.Dataset data,
        int epochs, int batchSize, long seed, double validationSplit, float learningRate)
    {
        var config = new TrainConfig(
            Loss.SparseCategoricalCrossEntropy,
            Optim.adamKeras,
            FSharpFunc<int, float>.FromConverter(_ => learningRate),
            FSharpFunc<string, bool>.FromConverter(_ => true),
            batchSize,
            epochs,
            Validation.NewValidationSplit(validationSplit),
            seed,
            true,
            FSharpOption<FuncCnn.Core.EarlyStopping>.None,
            FSharpFunc<EpochRecord, Unit>.FromConverter(_ => null!),
            FSharpFunc<BatchProgress, Unit>.FromConverter(_ => null!),
            FSharpFunc<Unit, bool>.FromConverter(_ => false));
        var result = Train.fit(config, model.Core, ExamplesModule.ofDataset(data.Core));
        return new Outcome(new FuncCnn.Model(result.Trained, []),
            result.History.Select(e => e.TrainLoss).ToArray(),
            result.History.Select(e => e.ValLoss.Value).ToArray());
    }
}
