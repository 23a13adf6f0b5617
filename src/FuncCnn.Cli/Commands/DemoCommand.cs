using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace FuncCnn.Cli;

using FuncCnn;

/// <summary>funccnn demo.</summary>
internal static partial class Commands
{
    // ---- demo -----------------------------------------------------------------------------------

    private static Command Demo()
    {
        var epochs = Opt("--epochs", "Passes over the training data", 2);
        var output = Opt("--out", "Folder for the results", "funccnn-demo");
        var limit = Opt<int?>("--limit", "Train on the first N training images only (faster)");
        var testLimit = Opt<int?>("--test-limit", "Evaluate on N test images only: a sample covering every class");
        var cmd = new Command("demo", "Train the seed CNN on MNIST (or Fashion-MNIST when MNIST is not found), print the test accuracy and write the results folder")
        {
            epochs, output, limit, testLimit,
        };
        cmd.SetAction(p =>
        {
            string? datasetName = null;
            foreach (var candidate in new[] { "mnist", "fashion-mnist" })
            {
                var folder = Datasets.Locate(candidate, out _);
                if (folder is null) continue;
                datasetName = candidate;
                Console.WriteLine($"found {candidate} in {folder}");
                break;
            }
            if (datasetName is null)
            {
                Datasets.Locate("fashion-mnist", out var why);
                throw new DirectoryNotFoundException("the demo needs MNIST or Fashion-MNIST and found neither.\n" + why +
                    "\nOn Debian/Ubuntu: sudo apt-get install -y dataset-fashion-mnist, then run 'funccnn demo' again.");
            }
            var options = new TrainingOptions { Epochs = Positive(p.GetValue(epochs), "--epochs", allowZero: true), BatchSize = 128, Seed = 0 };
            return RunTraining("seed-cnn", datasetName, DataSources.Load(datasetName, null), options, p.GetValue(output)!, p.GetValue(limit), p.GetValue(testLimit));
        });
        return cmd;
    }
}
