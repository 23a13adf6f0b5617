using FuncCnn.Core;
using Microsoft.FSharp.Core;

namespace FuncCnn.Interop;

/// <summary>The one place where the C# API touches F# types of the core.</summary>
internal static class CoreBridge
{
    /// <summary>A 2-D image as a [1,1,H,W] tensor.</summary>
    public static Tensor ImageTensor(float[,] image)
    {
        int h = image.GetLength(0), w = image.GetLength(1);
        var data = new float[h * w];
        Buffer.BlockCopy(image, 0, data, 0, data.Length * sizeof(float));
        return TensorModule.ofArray([1, 1, h, w], data);
    }

    public static float[,] ToImage(Tensor t, int h, int w)
    {
        var data = t.ToArray();
        var image = new float[h, w];
        Buffer.BlockCopy(data, 0, image, 0, h * w * sizeof(float));
        return image;
    }

    public static Tensor Convolve(Tensor image, Tensor kernel) =>
        Nn.conv2d(1, 1, Nn.ConvPadding.Valid, image, kernel, FSharpOption<Tensor>.None);

    public static Tensor MaxPool(Tensor image, int size) => Nn.maxPool2d(size, size, size, size, image);
}
