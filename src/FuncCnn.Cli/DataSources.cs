namespace FuncCnn.Cli;

using FuncCnn;

/// <summary>The datasets the CLI knows by name.</summary>
internal static class DataSources
{
    public static readonly string[] Names = ["mnist", "fashion-mnist", "quickdraw", "letters", "letters-notebook"];

    public static void Check(string name)
    {
        if (!Names.Contains(name))
            throw new UsageException($"unknown dataset '{name}'; use one of: {string.Join(", ", Names)}.");
    }

    /// <summary>A QuickDraw --data in the stroke format: a .ndjson file, or a folder with .ndjson files and no .npy files.</summary>
    private static bool IsStrokes(string? path) =>
        path is not null && (File.Exists(path) ? path.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase)
            : Directory.Exists(path) && Directory.EnumerateFiles(path, "*.ndjson").Any() && !Directory.EnumerateFiles(path, "*.npy").Any());

    /// <summary>Train and test parts. For letters both are the ten letters (letters-notebook: the from-scratch notebook's four); for quickdraw a seeded 20% per class is the test part.</summary>
    public static DatasetPair Load(string name, string? path, IReadOnlyList<string>? categories = null)
    {
        Check(name);
        return name switch
        {
            "mnist" => Datasets.Mnist(path),
            "fashion-mnist" => Datasets.FashionMnist(path),
            "quickdraw" when IsStrokes(path) => Datasets.QuickDrawStrokes(path!, categories is { Count: > 0 } ? categories : null),
            "quickdraw" => Datasets.QuickDraw(path, categories is { Count: > 0 } ? categories : null),
            "letters-notebook" => new DatasetPair(Datasets.NotebookLetters(), Datasets.NotebookLetters()),
            _ => new DatasetPair(Datasets.Letters(), Datasets.Letters()),
        };
    }
}
