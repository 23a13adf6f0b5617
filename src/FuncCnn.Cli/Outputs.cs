using System.Globalization;
using System.Text.Json;

namespace FuncCnn.Cli;

using FuncCnn;

/// <summary>The files of a run folder: model, history (CSV, JSON), summary, test metrics.</summary>
internal static class Outputs
{
    public static IReadOnlyList<string> WriteRun(string folder, Model model, TrainingHistory history, EvaluationResult? test, IReadOnlyDictionary<string, string> metadata)
    {
        Directory.CreateDirectory(folder);
        var files = new List<string>();
        string Put(string name) { var p = Path.Combine(folder, name); files.Add(p); return p; }
        model.Save(Put("model.fcnn"), history, metadata);
        File.WriteAllText(Put("history.csv"), history.ToDataFrame().ToCsv());
        File.WriteAllText(Put("history.json"), history.ToJson());
        File.WriteAllText(Put("summary.txt"), model.Summary().Table + Environment.NewLine);
        if (test is not null) File.WriteAllText(Put("metrics.json"), MetricsJson(test));
        if (test is not null) File.WriteAllText(Put("confusion-matrix.csv"), test.ConfusionMatrix.ToDataFrame().ToCsv());
        return files;
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
