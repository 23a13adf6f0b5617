namespace FuncCnn.Cli;

using FuncCnn;

/// <summary>The datasets the CLI knows by name.</summary>
internal static class DataSources
{
    public static readonly string[] Names = ["mnist", "fashion-mnist", "quickdraw", "letters"];

    public static void Check(string name)
    {
        if (!Names.Contains(name))
            throw new UsageException($"unknown dataset '{name}'; use one of: {string.Join(", ", Names)}.");
    }

    /// <summary>Train and test parts. For letters both are the ten letters; for quickdraw a seeded 20% per class is the test part.</summary>
    public static DatasetPair Load(string name, string? path, IReadOnlyList<string>? categories = null)
    {
        Check(name);
        return name switch
        {
            "mnist" => Datasets.Mnist(path),
            "fashion-mnist" => Datasets.FashionMnist(path),
            "quickdraw" => Datasets.QuickDraw(path, categories is { Count: > 0 } ? categories : null),
            _ => new DatasetPair(Datasets.Letters(), Datasets.Letters()),
        };
    }
}
