using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace FuncCnn.Cli;

using FuncCnn;

/// <summary>funccnn bench.</summary>
internal static partial class Commands
{
    // ---- bench ----------------------------------------------------------------------------------

    private static Command Bench()
    {
        var model = Opt("--model", "Preset to time", "seed-cnn");
        var batch = Opt("--batch", "Images per step", 128);
        var warmup = Opt("--warmup", "Untimed steps first", 5);
        var steps = Opt("--steps", "Timed steps", 60);
        var cmd = new Command("bench", "Time training steps (forward, loss, gradients, Adam) as training runs them, on real MNIST images when found; prints the median, p10, p90, min, allocated bytes per step, GC counts and a JSON line") { model, batch, warmup, steps };
        cmd.SetAction(p =>
        {
            var preset = p.GetValue(model)!;
            CheckPreset(preset);
            int b = Positive(p.GetValue(batch), "--batch"), w = Positive(p.GetValue(warmup), "--warmup", allowZero: true), s = Positive(p.GetValue(steps), "--steps");
            if (ModelZoo.Build(preset).OutputShape.Count != 1)
                throw new UsageException($"bench times classifiers; preset '{preset}' is not one.");
            // the library's measurement (FuncCnn.Benchmark), the same one bench/FuncCnn.Bench `step` runs
            var r = Benchmark.TrainingSteps(preset, b, w, s);
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(inv, $"{r.Preset} ({r.Parameters} parameters), batch {r.Batch} of {r.Data} images, {r.StepMilliseconds.Count} steps after {r.Warmup} warm-up"));
            Console.WriteLine(string.Create(inv, $"  median {r.Median:F2} ms  p10 {r.P10:F2}  p90 {r.P90:F2}  min {r.Min:F2}  max {r.Max:F2}  {r.ImagesPerSecond:F0} images/s"));
            Console.WriteLine(string.Create(inv, $"  allocated {r.AllocatedBytesPerStep:F0} bytes/step  collections: gen0 {r.Gen0Collections}  gen1 {r.Gen1Collections}  gen2 {r.Gen2Collections}"));
            Console.WriteLine(string.Create(inv, $"  step times (ms): {string.Join(" ", r.StepMilliseconds.Select(t => t.ToString("F1", inv)))}"));
            Console.WriteLine(string.Create(inv, $"{{\"model\":\"{r.Preset}\",\"batch\":{r.Batch},\"steps\":{r.StepMilliseconds.Count},\"warmup\":{r.Warmup},\"ms_per_step_median\":{r.Median:F2},\"p10_ms\":{r.P10:F2},\"p90_ms\":{r.P90:F2},\"ms_per_step_min\":{r.Min:F2},\"alloc_bytes_per_step\":{r.AllocatedBytesPerStep:F0},\"gen0\":{r.Gen0Collections},\"gen1\":{r.Gen1Collections},\"gen2\":{r.Gen2Collections},\"images_per_s\":{r.ImagesPerSecond:F0},\"cores\":{Environment.ProcessorCount},\"data\":\"{r.Data}\"}}"));
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
