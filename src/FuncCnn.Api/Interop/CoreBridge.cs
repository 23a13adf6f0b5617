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

    public static Tensor Convolve(Tensor image, Tensor kernel, float bias, int stride, bool same) =>
        Nn.conv2d(stride, stride, same ? Nn.ConvPadding.Same : Nn.ConvPadding.Valid, image, kernel,
            bias == 0f ? FSharpOption<Tensor>.None : FSharpOption<Tensor>.Some(TensorModule.ofArray([1], [bias])));

    public static Tensor Pool(Tensor image, int size, int stride, bool max) =>
        max ? Nn.maxPool2d(size, size, stride, stride, image) : Nn.avgPool2d(size, size, stride, stride, image);
}
