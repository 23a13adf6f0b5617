using System.Globalization;
using System.Text.Json;

namespace FuncCnn.Cli;

using FuncCnn;

/// <summary>The files of a run folder: model, history (CSV, JSON), summary, test metrics.</summary>
internal static class Outputs
{
    /// <summary>The files a run writes, checked before any work: a file in the way or an unwritable folder is a usage error now, not a lost model later.</summary>
    public static readonly string[] RunFiles = ["model.fcnn", "history.csv", "history.json", "summary.txt", "metrics.json", "confusion-matrix.csv"];

    /// <summary>Creates the folder if needed and proves a file can be written in it (then removes the probe).</summary>
    public static void CheckWritable(string folder, string option)
    {
        var full = Path.GetFullPath(folder);
        if (File.Exists(full))
            throw new UsageException($"{option} '{folder}' is a file, not a folder; give a folder for the run's files.");
        try
        {
            Directory.CreateDirectory(full);
            var probe = Path.Combine(full, $".funccnn-write-check-{Guid.NewGuid():N}.tmp");
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{option} '{folder}' cannot be written ({e.Message.TrimEnd('.')}); give a writable folder.");
        }
        foreach (var name in RunFiles)
            if (Directory.Exists(Path.Combine(full, name)))
                throw new UsageException($"{option} '{folder}' holds a folder named {name}, where the run writes a file; remove it or give another folder.");
    }

    /// <summary>The model, its history and summary: written first, before any evaluation.</summary>
    public static IReadOnlyList<string> WriteModel(string folder, Model model, TrainingHistory history, IReadOnlyDictionary<string, string> metadata)
    {
        Directory.CreateDirectory(folder);
        var files = new List<string>();
        string Put(string name) { var p = Path.Combine(folder, name); files.Add(p); return p; }
        model.Save(Put("model.fcnn"), history, metadata);
        File.WriteAllText(Put("history.csv"), history.ToDataFrame().ToCsv());
        File.WriteAllText(Put("history.json"), history.ToJson());
        File.WriteAllText(Put("summary.txt"), model.Summary().Table + Environment.NewLine);
        return files;
    }

    /// <summary>The test metrics and confusion matrix.</summary>
    public static IReadOnlyList<string> WriteMetrics(string folder, EvaluationResult test)
    {
        var metrics = Path.Combine(folder, "metrics.json");
        var confusion = Path.Combine(folder, "confusion-matrix.csv");
        File.WriteAllText(metrics, MetricsJson(test));
        File.WriteAllText(confusion, test.ConfusionMatrix.ToDataFrame().ToCsv());
        return [metrics, confusion];
    }

    public static string MetricsJson(EvaluationResult r)
    {
        var matrix = Enumerable.Range(0, r.ConfusionMatrix.Classes)
            .Select(a => Enumerable.Range(0, r.ConfusionMatrix.Classes).Select(p => r.ConfusionMatrix[a, p]).ToArray()).ToArray();
        return JsonSerializer.Serialize(new
        {
            testLoss = r.Loss,
            testAccuracy = r.Accuracy,
            testExamples = r.Count,
            classNames = r.ConfusionMatrix.ClassNames,
            confusionMatrix = matrix,
            misclassified = r.Misclassified.Count,
        }, new JsonSerializerOptions { WriteIndented = true });
    }

    public static string Percent(double v) => v.ToString("P2", CultureInfo.InvariantCulture);
}
