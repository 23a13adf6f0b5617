using FuncCnn.Core;
using FuncCnn.Interop;

namespace FuncCnn;

/// <summary>
/// Convolution and pooling on single 2-D grayscale images (row 0 at the top), as in the
/// "convolution by hand" lessons. The same engine as the networks does the work.
/// </summary>
public static class ImageOps
{
    /// <summary>
    /// Slides the kernel over the image without padding (cross-correlation: the kernel is not
    /// flipped, as in every deep-learning library). The result is (H - kh + 1) x (W - kw + 1).
    /// </summary>
    /// <param name="image">Grayscale pixels, any range (e.g. 0-255).</param>
    /// <param name="kernel">The kernel.</param>
    /// <param name="clampTo255">Clamp the result to 0-255 so it can be shown as an 8-bit image.</param>
    /// <exception cref="ArgumentException">The image is smaller than the kernel.</exception>
    public static float[,] Convolve(float[,] image, ImageKernel kernel, bool clampTo255 = false)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(kernel);
        int h = image.GetLength(0), w = image.GetLength(1);
        if (h < kernel.Height || w < kernel.Width)
            throw new ArgumentException($"The image is {h}x{w} but the kernel '{kernel.Name}' is {kernel.Height}x{kernel.Width}; the image must be at least as large.", nameof(image));
        var x = CoreBridge.ImageTensor(image);
        var k = CoreBridge.ImageTensor(kernel.Values);
        var y = CoreBridge.Convolve(x, k);
        var result = CoreBridge.ToImage(y, h - kernel.Height + 1, w - kernel.Width + 1);
        if (clampTo255)
        {
            for (int i = 0; i < result.GetLength(0); i++)
                for (int j = 0; j < result.GetLength(1); j++)
                    result[i, j] = Math.Clamp(result[i, j], 0f, 255f);
        }
        return result;
    }

    /// <summary>
    /// Max pooling with a size x size window moved by its own size; a partial window at the
    /// right or bottom edge is dropped (floor mode), as Keras and PyTorch do.
    /// </summary>
    /// <exception cref="ArgumentException">The size is below 1 or larger than the image.</exception>
    public static float[,] MaxPool(float[,] image, int size)
    {
        ArgumentNullException.ThrowIfNull(image);
        int h = image.GetLength(0), w = image.GetLength(1);
        if (size < 1)
            throw new ArgumentException($"The pooling size must be at least 1, got {size}.", nameof(size));
        if (h < size || w < size)
            throw new ArgumentException($"The image is {h}x{w}, smaller than the {size}x{size} pooling window.", nameof(image));
        var y = CoreBridge.MaxPool(CoreBridge.ImageTensor(image), size);
        return CoreBridge.ToImage(y, h / size, w / size);
    }

    /// <summary>Sets negative values to zero (ReLU).</summary>
    public static float[,] Relu(float[,] image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var result = (float[,])image.Clone();
        for (int i = 0; i < result.GetLength(0); i++)
            for (int j = 0; j < result.GetLength(1); j++)
                result[i, j] = Math.Max(0f, result[i, j]);
        return result;
    }

    /// <summary>Converts 8-bit pixels (row-major) into a 2-D image of floats 0-255.</summary>
    /// <exception cref="ArgumentException">The pixel count is not height x width.</exception>
    public static float[,] FromBytes(byte[] pixels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (height < 1 || width < 1 || pixels.Length != (long)height * width)
            throw new ArgumentException($"{pixels.Length} pixels do not make a {height}x{width} image ({(long)height * width} pixels).", nameof(pixels));
        var image = new float[height, width];
        for (int i = 0; i < height; i++)
            for (int j = 0; j < width; j++)
                image[i, j] = pixels[i * width + j];
        return image;
    }
}
