using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace FuncCnn.Cli;

using FuncCnn;

/// <summary>Runs Fit with live progress: Spectre.Console bars on a terminal, one line per epoch when output is redirected.</summary>
internal static class TrainingUi
{
    private sealed class Reporter(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    public static TrainingResult Fit(Model model, Dataset train, TrainingOptions options, CancellationToken cancellation)
    {
        long images = 0;
        int lastSeen = 0;
        string Speed(TrainingProgress p)
        {
            images += p.Batch == 1 ? p.ExamplesSeen : p.ExamplesSeen - lastSeen;
            lastSeen = p.ExamplesSeen;
            return (images / Math.Max(1e-9, p.Elapsed.TotalSeconds)).ToString("F0", CultureInfo.InvariantCulture);
        }
        string Stats(TrainingProgress p, string speed) => string.Create(CultureInfo.InvariantCulture,
            $"loss {p.RunningLoss:F4}  acc {p.RunningAccuracy:P1}  {speed} img/s");

        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            var clock = Stopwatch.StartNew();
            return model.Fit(train, options, new Reporter(p =>
            {
                var speed = Speed(p);
                if (p.Batch == p.Batches)
                    Console.WriteLine($"epoch {p.Epoch}/{p.Epochs}  batch {p.Batch}/{p.Batches}  {Stats(p, speed)}  {clock.Elapsed.TotalSeconds:F1}s");
            }), cancellation);
        }

        TrainingResult? result = null;
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var all = ctx.AddTask("[bold]training[/]", maxValue: 1);
                var epoch = ctx.AddTask("epoch 1", maxValue: 1);
                result = model.Fit(train, options, new Reporter(p =>
                {
                    var speed = Speed(p);
                    all.MaxValue = (double)p.Epochs * p.Batches;
                    all.Value = (double)(p.Epoch - 1) * p.Batches + p.Batch;
                    all.Description = $"[bold]epoch {p.Epoch}/{p.Epochs}[/]";
                    epoch.MaxValue = p.Batches;
                    epoch.Value = p.Batch;
                    epoch.Description = Markup.Escape($"batch {p.Batch}/{p.Batches}  {Stats(p, speed)}");
                }), cancellation);
                if (!result.History.Cancelled)
                {
                    all.Value = all.MaxValue;
                    epoch.Value = epoch.MaxValue;
                }
                all.StopTask();
                epoch.StopTask();
            });
        return result!;
    }

    public static void PrintHistory(TrainingHistory history)
    {
        static string F(double? v, string format) => v is { } d ? d.ToString(format, CultureInfo.InvariantCulture) : "-";
        var table = new Table().AddColumns("epoch", "loss", "accuracy", "val loss", "val accuracy", "seconds");
        foreach (var e in history.Epochs)
            table.AddRow((e.Epoch + (e.Complete ? "" : " (partial)")).ToString(CultureInfo.InvariantCulture), F(e.TrainLoss, "F4"), F(e.TrainAccuracy, "P2"),
                F(e.ValidationLoss, "F4"), F(e.ValidationAccuracy, "P2"), F(e.Seconds, "F1"));
        AnsiConsole.Write(table);
    }
}
