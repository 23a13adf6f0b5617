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
        var steps = Opt("--steps", "Timed steps", 20);
        var cmd = new Command("bench", "Time training steps (forward, loss, gradients, Adam) with the benchmark harness, on real MNIST images when found; prints the median and a JSON line") { model, batch, warmup, steps };
        cmd.SetAction(p =>
        {
            var preset = p.GetValue(model)!;
            CheckPreset(preset);
            int b = Positive(p.GetValue(batch), "--batch"), w = Positive(p.GetValue(warmup), "--warmup", allowZero: true), s = Positive(p.GetValue(steps), "--steps");
            if (ModelZoo.Build(preset).OutputShape.Count != 1)
                throw new UsageException($"bench times classifiers; preset '{preset}' is not one.");
            // the benchmark harness itself (bench/FuncCnn.Bench), so both report the same measurement
            FuncCnn.Bench.Step.run(preset, b, w, s);
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
