using FuncCnn.Core;
using Microsoft.FSharp.Core;
using CoreDataset = FuncCnn.Core.Data.Dataset;

namespace FuncCnn.Interop;

/// <summary>Datasets and examples: the F# option/tuple/function plumbing of the data module.</summary>
internal static class DataBridge
{
    public static FSharpOption<T> Option<T>(T? value) where T : class =>
        value is null ? FSharpOption<T>.None : FSharpOption<T>.Some(value);

    public static string? Locate(string dataset, out string? explanation)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var spec = dataset switch
        {
            "mnist" => FuncCnn.Core.Data.Mnist.spec,
            "fashion-mnist" => FuncCnn.Core.Data.FashionMnist.spec,
            "quickdraw" => FuncCnn.Core.Data.QuickDraw.spec,
            _ => throw new ArgumentException($"Unknown dataset '{dataset}'; use mnist, fashion-mnist or quickdraw.", nameof(dataset)),
        };
        var result = FuncCnn.Core.Data.DataLocator.locate(spec, FSharpOption<string>.None);
        if (result.IsOk)
        {
            explanation = null;
            return result.ResultValue;
        }
        explanation = result.ErrorValue;
        return null;
    }

    /// <summary>A dataset's images and labels as training examples; tensors are made per batch (the core's Examples.ofDataset).</summary>
    public static Examples Examples(CoreDataset ds) => ExamplesModule.ofDataset(ds);

    /// <summary>A dataset's images as their own targets (an autoencoder); tensors are made per batch.</summary>
    public static Examples Reconstruction(CoreDataset ds) => ExamplesModule.reconstructionOfDataset(ds);
}
