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

    /// <summary>Train and test parts. For letters both are the ten letters (letters-notebook: the from-scratch notebook's four); for quickdraw a seeded 20% per class is the test part.</summary>
    public static DatasetPair Load(string name, string? path, IReadOnlyList<string>? categories = null)
    {
        Check(name);
        return name switch
        {
            "mnist" => Datasets.Mnist(path),
            "fashion-mnist" => Datasets.FashionMnist(path),
            "quickdraw" => Datasets.QuickDraw(path, categories is { Count: > 0 } ? categories : null),
            "letters-notebook" => new DatasetPair(Datasets.NotebookLetters(), Datasets.NotebookLetters()),
            _ => new DatasetPair(Datasets.Letters(), Datasets.Letters()),
        };
    }
}
