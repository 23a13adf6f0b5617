using Microsoft.FSharp.Core;
using CoreImage = FuncCnn.Core.Data.ImageFile;

namespace FuncCnn;

/// <summary>How <see cref="ImageFile.Read"/> turns an image file into model input.</summary>
public sealed record ImageReadOptions
{
    /// <summary>true: one grey channel (ITU-R 601 luma); false: three colour channels (RGB); null: grey for grey files, RGB otherwise.</summary>
    public bool? Grayscale { get; init; }

    /// <summary>Resize to this height (with <see cref="Width"/>) when the file's size differs; null keeps the file's size.</summary>
    public int? Height { get; init; }

    /// <summary>Resize to this width (with <see cref="Height"/>); null keeps the file's size.</summary>
    public int? Width { get; init; }

    /// <summary>1 - value: a black digit on white paper becomes MNIST's white digit on black.</summary>
    public bool Invert { get; init; }
}

/// <summary>A decoded image: <see cref="Pixels"/> holds Channels x Height x Width floats in [0,1], row-major (CHW, as models take them).</summary>
/// <param name="Channels">1 (grey) or 3 (RGB).</param>
/// <param name="Height">Rows.</param>
/// <param name="Width">Columns.</param>
/// <param name="Pixels">The values, channel by channel.</param>
public sealed record ImageData(int Channels, int Height, int Width, IReadOnlyList<float> Pixels)
{
    /// <summary>The pixels as an array, to pass to <see cref="Model.Predict(float[])"/>.</summary>
    public float[] ToArray() => Pixels.ToArray();
}

/// <summary>Reads PNG, JPEG and BMP files (grey or colour) as model input, with SkiaSharp.</summary>
public static class ImageFile
{
    /// <summary>Reads an image file as a CHW float image in [0,1].</summary>
    /// <param name="path">A PNG, JPEG or BMP file.</param>
    /// <param name="options">Grey or colour, size and inversion (default: as the file is).</param>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="DataFormatException">The file is not a PNG, JPEG or BMP image, is corrupt or truncated, or too large (the message names it).</exception>
    /// <exception cref="ArgumentException">Only one of Height and Width is given.</exception>
    public static ImageData Read(string path, ImageReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var image = CoreImage.read(path, Core(options ?? new ImageReadOptions()));
        return new ImageData(image.Channels, image.Height, image.Width, image.Pixels.AsReadOnly());
    }

    /// <summary>
    /// Reads an image file as input for a model: grey or colour by the model's channels, resized to its
    /// input height and width.
    /// </summary>
    /// <param name="model">A model of images (C,H,W) with 1 or 3 channels.</param>
    /// <param name="path">A PNG, JPEG or BMP file.</param>
    /// <param name="invert">Invert the values (for a dark drawing on a light background, as MNIST is the other way round).</param>
    /// <inheritdoc cref="Read" path="/exception"/>
    /// <exception cref="ShapeException">The model does not take 1- or 3-channel images.</exception>
    public static float[] ReadFor(Model model, string path, bool invert = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        var s = model.InputShape;
        if (s.Count != 3 || (s[0] != 1 && s[0] != 3))
            throw new ShapeException($"The model takes inputs of shape ({string.Join(",", s)}); image files need a model of 1- or 3-channel images (C,H,W).");
        return Read(path, new ImageReadOptions { Grayscale = s[0] == 1, Height = s[1], Width = s[2], Invert = invert }).ToArray();
    }

    internal static CoreImage.ImageOptions Core(ImageReadOptions o)
    {
        if (o.Height.HasValue != o.Width.HasValue) throw new ArgumentException("Give both Height and Width to resize, or neither.", nameof(o));
        return new CoreImage.ImageOptions(
            o.Grayscale is { } g ? FSharpOption<bool>.Some(g) : FSharpOption<bool>.None,
            o.Height is { } h ? FSharpOption<Tuple<int, int>>.Some(Tuple.Create(h, o.Width!.Value)) : FSharpOption<Tuple<int, int>>.None,
            o.Invert);
    }
}

public sealed partial class Dataset
{
    private static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp"];

    /// <summary>
    /// A labelled dataset from a folder of class sub-folders of images (<c>folder/cat/1.png</c>,
    /// <c>folder/dog/2.jpg</c>, ...; PNG, JPEG, BMP): the classes are the sub-folders in ordinal name order,
    /// every image is read as <paramref name="options"/> say (by default colour, at the size of the first image)
    /// and all must end up the same shape.
    /// </summary>
    /// <param name="folder">The folder holding one sub-folder per class.</param>
    /// <param name="options">Grey or colour, size and inversion (default: RGB, each file's own size).</param>
    /// <exception cref="DirectoryNotFoundException">There is no such folder.</exception>
    /// <exception cref="DataFormatException">No class sub-folders or images, an image that cannot be read, or images of different sizes (named).</exception>
    public static Dataset FromImages(string folder, ImageReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"No image folder at '{Path.GetFullPath(folder)}'.");
        var o = options ?? new ImageReadOptions { Grayscale = false };
        var classes = Directory.GetDirectories(folder).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();
        if (classes.Length == 0) throw new DataFormatException(folder, "has no class sub-folders (folder/<class>/<image>.png)");
        var pixels = new List<float>();
        var labels = new List<int>();
        int[]? shape = null;
        string? first = null;
        for (int c = 0; c < classes.Length; c++)
        {
            var files = Directory.GetFiles(Path.Combine(folder, classes[c]))
                .Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal);
            foreach (var file in files)
            {
                var image = ImageFile.Read(file, shape is null ? o : o with { Height = shape[1], Width = shape[2] });
                int[] s = [image.Channels, image.Height, image.Width];
                if (shape is null) { shape = s; first = file; }
                else if (!s.SequenceEqual(shape))
                    throw new DataFormatException(file, $"has shape ({string.Join(",", s)}) but {first} has ({string.Join(",", shape)})");
                pixels.AddRange(image.Pixels);
                labels.Add(c);
            }
        }
        if (shape is null) throw new DataFormatException(folder, "has no PNG, JPEG or BMP images in its class sub-folders");
        return FromArrays(pixels.ToArray(), shape, labels.ToArray(), classes, Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder))));
    }
}
