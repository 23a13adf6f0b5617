namespace FuncCnn.Cli;

using System.Globalization;
using FuncCnn;
using FuncCnn.Reports;

/// <summary>Everything a finished (or interrupted) training run produced, for the report.</summary>
/// <param name="OutputFolder">The run's folder (model.fcnn, history.csv, ... are already there).</param>
/// <param name="ModelName">The preset or file the model came from.</param>
/// <param name="DatasetName">The dataset's name ("mnist", ...).</param>
/// <param name="Model">The trained model.</param>
/// <param name="History">Its training history.</param>
/// <param name="Test">The test images.</param>
/// <param name="Evaluation">The evaluation on the test images, when it ran.</param>
/// <param name="Options">The training options used.</param>
/// <param name="Train">The training images (class histogram, dataset preview), when at hand.</param>
internal sealed record TrainingRun(string OutputFolder, string ModelName, string DatasetName, Model Model, TrainingHistory History, Dataset Test, EvaluationResult? Evaluation, TrainingOptions Options, Dataset? Train = null);

/// <summary>Writes the report of a training run (FuncCnn.Reports: SVG, PNG, report.pdf, index.html) into its folder.</summary>
internal static class ReportWriter
{
    /// <summary>Writes the report into <c>run.OutputFolder/report</c> and returns its index.html.</summary>
    public static string? TryWrite(TrainingRun run)
    {
        var folder = Path.Combine(run.OutputFolder, "report");
        var inv = CultureInfo.InvariantCulture;
        var title = $"{run.ModelName} on {run.DatasetName}, {run.History.Epochs.Count} epoch{(run.History.Epochs.Count == 1 ? "" : "s")}";
        var headlines = new List<Headline>
        {
            new("Batch size", run.Options.BatchSize.ToString(inv)),
            new("Optimizer", $"{run.Options.Optimizer} {run.Options.LearningRate.ToString(inv)}"),
            new("Seed", run.Options.Seed.ToString(inv)),
        };
        var data = TrainingReport.From(run.Model, run.History, run.Test, title, headlines: headlines, train: run.Train);
        return Report.Write(folder, data).IndexPath;
    }
}
