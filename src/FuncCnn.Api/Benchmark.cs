using FuncCnn.Core;

namespace FuncCnn;

/// <summary>What timing training steps measured (see <see cref="Benchmark.TrainingSteps"/>).</summary>
/// <param name="Preset">The model zoo preset that was timed.</param>
/// <param name="Parameters">Its number of scalar parameters.</param>
/// <param name="Batch">Images per step.</param>
/// <param name="Warmup">Untimed steps before the timed ones.</param>
/// <param name="Data">"mnist" when real MNIST images were found, else "random" (seeded pixels).</param>
/// <param name="StepMilliseconds">The wall time of every timed step, in order.</param>
/// <param name="Median">The median step time in ms.</param>
/// <param name="P10">The 10th percentile in ms (linear interpolation).</param>
/// <param name="P90">The 90th percentile in ms (linear interpolation).</param>
/// <param name="Min">The fastest step in ms.</param>
/// <param name="Max">The slowest step in ms.</param>
/// <param name="AllocatedBytesPerStep">Bytes allocated per timed step on all threads (GC.GetTotalAllocatedBytes).</param>
/// <param name="Gen0Collections">Generation-0 collections during the timed steps.</param>
/// <param name="Gen1Collections">Generation-1 collections during the timed steps.</param>
/// <param name="Gen2Collections">Generation-2 collections during the timed steps.</param>
public sealed record StepBenchmarkResult(
    string Preset, int Parameters, int Batch, int Warmup, string Data, IReadOnlyList<double> StepMilliseconds,
    double Median, double P10, double P90, double Min, double Max,
    double AllocatedBytesPerStep, int Gen0Collections, int Gen1Collections, int Gen2Collections)
{
    /// <summary>Images per second at the median step time.</summary>
    public double ImagesPerSecond => Batch / Median * 1000.0;
}

/// <summary>Times training steps the way <c>Model.Fit</c> runs them: the measurement behind <c>funccnn bench</c>
/// and the benchmark harness's <c>step</c> (both call the same core code).</summary>
public static class Benchmark
{
    /// <summary>Times <paramref name="steps"/> training steps (forward, loss, gradients, Adam) of a zoo classifier
    /// after <paramref name="warmup"/> untimed ones, on the first MNIST training images when they are found.</summary>
    /// <param name="preset">A classifier preset of <see cref="ModelZoo.Names"/>, e.g. "seed-cnn".</param>
    /// <param name="batch">Images per step (at least 1).</param>
    /// <param name="warmup">Untimed steps first (at least 0).</param>
    /// <param name="steps">Timed steps (at least 1).</param>
    /// <returns>The step times and their statistics, allocation and collection counts.</returns>
    /// <exception cref="InvalidValueException">An unknown or non-classifier preset, or a count out of range.</exception>
    public static StepBenchmarkResult TrainingSteps(string preset, int batch = 128, int warmup = 5, int steps = 60)
    {
        ArgumentNullException.ThrowIfNull(preset);
        var t = StepBenchmark.run(StepKind.FitLoopStep, preset, batch, warmup, steps);
        return new StepBenchmarkResult(t.Preset, t.Parameters, t.Batch, t.Warmup, t.Data, t.Times.ToArray(),
            t.Median, t.P10, t.P90, t.Min, t.Max, t.AllocatedBytesPerStep, t.Gen0, t.Gen1, t.Gen2);
    }
}
