using System.CommandLine;

namespace FuncCnn.Cli;

using FuncCnn;
using FuncCnn.Reports;

/// <summary>funccnn report: the charts of a saved model on a dataset.</summary>
internal static partial class Commands
{
    private static Command Report()
    {
        var model = Opt<string>("--model", "A saved model (run/model.fcnn)");
        model.Required = true;
        var dataset = Opt("--dataset", "mnist, fashion-mnist, quickdraw or letters", "mnist");
        var data = Opt<string>("--data", "The dataset's folder");
        var outDir = Opt<string>("--out", "The report folder (default: report/ beside the model)");
        var format = Opt("--format", "Comma-separated formats: svg, png, pdf", "svg,png,pdf");
        var limit = Opt<int?>("--limit", "Use N test images only: a seeded sample covering every class");
        var cmd = new Command("report", "Write the report of a saved model on a dataset's test images: charts as SVG/PNG, report.pdf, index.html, predictions.csv")
            { model, dataset, data, outDir, format, limit };
        cmd.SetAction(p =>
        {
            var formats = ParseFormats(p.GetValue(format)!);
            var path = p.GetValue(model)!;
            var m = LoadModel(path);
            // Only FuncCnn's own format carries a training history; other formats get a report without curves.
            var history = path.EndsWith(".fcnn", StringComparison.OrdinalIgnoreCase) ? Model.LoadFile(path).History : TrainingHistory.Empty;
            var name = p.GetValue(dataset)!;
            var pair = DataSources.Load(name, p.GetValue(data), name == "quickdraw" ? m.ClassNames : null);
            var test = p.GetValue(limit) is { } n ? pair.Test.Sample(Positive(n, "--limit"), seed: 0) : pair.Test;
            var folder = p.GetValue(outDir) ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", "report");
            var title = $"{Path.GetFileName(path)} on {test.Name}";
            var reportData = TrainingReport.From(m, history, test, title, train: pair.Train);
            var written = Reports.Report.Write(folder, reportData, new ReportOptions { Formats = formats });
            // The report's own predictions (one forward pass for charts and CSV), in ToDataFrame's columns.
            var predicted = reportData.Predictions;
            var frame = new Microsoft.Data.Analysis.DataFrame(
                new Microsoft.Data.Analysis.Int32DataFrameColumn("index", Enumerable.Range(0, predicted.Count)),
                new Microsoft.Data.Analysis.Int32DataFrameColumn("label", predicted.Select(q => q.TrueLabel)),
                new Microsoft.Data.Analysis.Int32DataFrameColumn("predicted", predicted.Select(q => q.PredictedLabel)),
                new Microsoft.Data.Analysis.SingleDataFrameColumn("confidence", predicted.Select(q => (float)q.Confidence)),
                new Microsoft.Data.Analysis.BooleanDataFrameColumn("correct", predicted.Select(q => q.IsCorrect)));
            File.WriteAllText(Path.Combine(folder, "predictions.csv"), frame.ToCsv());
            foreach (var h in written.Headlines.Take(2)) Console.WriteLine($"{h.Label}: {h.Value}");
            Console.WriteLine($"report: {written.IndexPath}");
            if (written.PdfPath is { } pdf) Console.WriteLine($"pdf:    {pdf}");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static ReportFormats ParseFormats(string text)
    {
        var formats = ReportFormats.None;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            formats |= part.ToLowerInvariant() switch
            {
                "svg" => ReportFormats.Svg,
                "png" => ReportFormats.Png,
                "pdf" => ReportFormats.Pdf,
                _ => throw new UsageException($"unknown report format '{part}'; use svg, png and/or pdf, comma-separated."),
            };
        if (formats == ReportFormats.None) throw new UsageException("--format names no format; use svg, png and/or pdf.");
        return formats;
    }
}
