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
    /// Slides the kernel over the image (cross-correlation: the kernel is not flipped, as in every
    /// deep-learning library) and adds the bias, as the notebooks' hand-written
    /// <c>conv2d(input, kernel, bias, stride)</c>. Valid padding (the default) gives
    /// ((H - kh) / stride + 1) x ((W - kw) / stride + 1); Same pads with zeros (the odd pixel at the
    /// bottom/right, as Keras) for ceil(H / stride) x ceil(W / stride).
    /// </summary>
    /// <param name="image">Grayscale pixels, any range (e.g. 0-255).</param>
    /// <param name="kernel">The kernel.</param>
    /// <param name="clampTo255">Clamp the result to 0-255 so it can be shown as an 8-bit image.</param>
    /// <param name="bias">Added to every output value.</param>
    /// <param name="stride">The step between windows, in both directions (at least 1).</param>
    /// <param name="padding">Valid (no padding) or Same (zeros around the image).</param>
    /// <exception cref="ArgumentException">The image is smaller than the kernel (valid padding), the stride is below 1, or the bias is not finite.</exception>
    public static float[,] Convolve(float[,] image, ImageKernel kernel, bool clampTo255 = false, float bias = 0f, int stride = 1, Padding padding = Padding.Valid)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(kernel);
        int h = image.GetLength(0), w = image.GetLength(1);
        if (stride < 1)
            throw new ArgumentException($"The stride must be at least 1, got {stride}.", nameof(stride));
        if (!float.IsFinite(bias))
            throw new ArgumentException($"The bias must be a finite number, got {bias}.", nameof(bias));
        if (padding == Padding.Valid && (h < kernel.Height || w < kernel.Width))
            throw new ArgumentException($"The image is {h}x{w} but the kernel '{kernel.Name}' is {kernel.Height}x{kernel.Width}; the image must be at least as large (or use Padding.Same).", nameof(image));
        if (h == 0 || w == 0)
            throw new ArgumentException("The image is empty.", nameof(image));
        var y = CoreBridge.Convolve(CoreBridge.ImageTensor(image), CoreBridge.ImageTensor(kernel.Values), bias, stride, padding == Padding.Same);
        var result = CoreBridge.ToImage(y, y.Shape[2], y.Shape[3]);
        if (clampTo255)
        {
            for (int i = 0; i < result.GetLength(0); i++)
                for (int j = 0; j < result.GetLength(1); j++)
                    result[i, j] = Math.Clamp(result[i, j], 0f, 255f);
        }
        return result;
    }

    /// <summary>
    /// Max pooling with a size x size window moved by <paramref name="stride"/> (by default its own
    /// size); a partial window at the right or bottom edge is dropped (floor mode), as Keras and
    /// PyTorch do: the result is ((H - size) / stride + 1) x ((W - size) / stride + 1).
    /// </summary>
    /// <param name="image">Grayscale values, any range.</param>
    /// <param name="size">The window's height and width (at least 1).</param>
    /// <param name="stride">The step between windows (at least 1), or null for the size.</param>
    /// <exception cref="ArgumentException">The size or stride is below 1, or the window is larger than the image.</exception>
    public static float[,] MaxPool(float[,] image, int size, int? stride = null) => Pool(image, size, stride, max: true);

    /// <summary>Average pooling, otherwise like <see cref="MaxPool"/>.</summary>
    /// <param name="image">Grayscale values, any range.</param>
    /// <param name="size">The window's height and width (at least 1).</param>
    /// <param name="stride">The step between windows (at least 1), or null for the size.</param>
    /// <exception cref="ArgumentException">The size or stride is below 1, or the window is larger than the image.</exception>
    public static float[,] AvgPool(float[,] image, int size, int? stride = null) => Pool(image, size, stride, max: false);

    private static float[,] Pool(float[,] image, int size, int? stride, bool max)
    {
        ArgumentNullException.ThrowIfNull(image);
        int h = image.GetLength(0), w = image.GetLength(1);
        int s = stride ?? size;
        if (size < 1)
            throw new ArgumentException($"The pooling size must be at least 1, got {size}.", nameof(size));
        if (s < 1)
            throw new ArgumentException($"The pooling stride must be at least 1, got {s}.", nameof(stride));
        if (h < size || w < size)
            throw new ArgumentException($"The image is {h}x{w}, smaller than the {size}x{size} pooling window.", nameof(image));
        var y = CoreBridge.Pool(CoreBridge.ImageTensor(image), size, s, max);
        return CoreBridge.ToImage(y, y.Shape[2], y.Shape[3]);
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
