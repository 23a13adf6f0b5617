using FuncCnn;
using FuncCnn.Interop;

namespace FuncCnn.Api.Tests;

/// <summary>The F# core's own Train.fit on the same model, data and options, for comparison.</summary>
internal static class CoreFit
{
    public sealed record Outcome(FuncCnn.Model Model, double[] Losses, double[] ValidationLosses);

    public static Outcome Run(FuncCnn.Model model, FuncCnn.Dataset data, TrainingOptions options)
    {
        var config = TrainingLoop.Config(options);
        var result = FuncCnn.Core.Train.fit(config, model.Core, DataBridge.Examples(data.Core));
        return new Outcome(new FuncCnn.Model(result.Trained, []),
            result.History.Select(e => e.TrainLoss).ToArray(),
            result.History.Select(e => e.ValLoss.Value).ToArray());
    }
}
