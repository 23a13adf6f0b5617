using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace FuncCnn.Cli;

using FuncCnn;

/// <summary>The command tree of funccnn and what each command does.</summary>
internal static partial class Commands
{
    private static readonly Option<bool> Verbose = new("--verbose") { Description = "Show stack traces of errors", Recursive = true };

    public static RootCommand Root()
    {
        var root = new RootCommand("FuncCnn: train, evaluate and inspect small CNNs (MNIST, Fashion-MNIST, Quick Draw, letters).");
        root.Options.Add(Verbose);
        root.Subcommands.Add(Train());
        root.Subcommands.Add(Eval());
        root.Subcommands.Add(Predict());
        root.Subcommands.Add(Summary());
        root.Subcommands.Add(Bench());
        root.Subcommands.Add(Demo());
        root.Subcommands.Add(Report());
        root.Subcommands.Add(Import());
        root.Subcommands.Add(Export());
        root.Subcommands.Add(Generate());
        return root;
    }

    private static Option<T> Opt<T>(string name, string description, T fallback) =>
        new(name) { Description = description, DefaultValueFactory = _ => fallback };

    private static Option<T?> Opt<T>(string name, string description) => new(name) { Description = description };

    private static int Positive(int value, string name, bool allowZero = false)
    {
        if (value < 0 || (!allowZero && value == 0)) throw new UsageException($"{name} must be {(allowZero ? "0 or more" : "at least 1")}, got {value}.");
        return value;
    }

    private static string Show(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A learning rate: finite, above 0 and still above 0 as a float32.</summary>
    internal static double LearningRate(double value, string name)
    {
        if (!(value > 0) || !double.IsFinite(value) || !float.IsFinite((float)value) || (float)value <= 0)
            throw new UsageException($"{name} must be a number above 0 that fits a float32 (about 1e-45 to 3.4e38), e.g. 0.001; got {Show(value)}.");
        return value;
    }

    /// <summary>A fraction in [0, 1).</summary>
    internal static double Fraction(double value, string name)
    {
        if (!(value >= 0 && value < 1))
            throw new UsageException($"{name} must be in [0, 1) (0 means none), e.g. 0.1; got {Show(value)}.");
        return value;
    }

    private static void CheckPreset(string name)
    {
        if (!ModelZoo.Names.Contains(name))
            throw new UsageException($"unknown model preset '{name}'; the presets are: {string.Join(", ", ModelZoo.Names)}.");
    }

    /// <summary>A model file: FuncCnn's own, or a Keras (.h5, .keras) or ONNX model, recognised by content.</summary>
    private static Model LoadModel(string path) => Model.Load(path);
}
