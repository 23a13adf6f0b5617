namespace FuncCnn.Cli;

using FuncCnn.Api;

/// <summary>Everything a finished (or interrupted) training run produced, for the report.</summary>
/// <param name="OutputFolder">The run's folder (model.fcnn, history.csv, ... are already there).</param>
/// <param name="ModelName">The preset or file the model came from.</param>
/// <param name="DatasetName">The dataset's name ("mnist", ...).</param>
/// <param name="Model">The trained model.</param>
/// <param name="History">Its training history.</param>
/// <param name="Test">The test images.</param>
/// <param name="Evaluation">The evaluation on the test images, when it ran.</param>
/// <param name="Options">The training options used.</param>
internal sealed record TrainingRun(string OutputFolder, string ModelName, string DatasetName, Model Model, TrainingHistory History, Dataset Test, EvaluationResult? Evaluation, TrainingOptions Options);

/// <summary>Writes the HTML/SVG/PNG report of a training run (FuncCnn.Reports) into its folder.</summary>
internal static class ReportWriter
{
    /// <summary>
    /// Writes the report into <c>run.OutputFolder/report</c> and returns its main file, or null when no
    /// report is written. Placeholder: the report library (FuncCnn.Reports, Report.Write) is wired in here
    /// once its branch is merged; until then nothing is written, and train/demo say so.
    /// </summary>
    public static string? TryWrite(TrainingRun run)
    {
        _ = run;
        return null;
    }
}
