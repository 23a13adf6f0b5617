using FuncCnn.Core;
namespace FuncCnn;

/// <summary>
/// A named 2-D convolution kernel, such as the classic image filters of the teaching material.
/// Immutable: <see cref="Values"/> returns a copy.
/// </summary>
public sealed class ImageKernel
{
    private readonly float[,] _values;

    /// <summary>Creates a kernel from its rows (row 0 is the top).</summary>
    /// <param name="name">A display name, e.g. "Sobel X".</param>
    /// <param name="values">The weights; at least 1x1.</param>
    /// <exception cref="ArgumentException">The kernel is empty or holds a non-finite value.</exception>
    public ImageKernel(string name, float[,] values)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(values);
        if (values.GetLength(0) == 0 || values.GetLength(1) == 0)
            throw new ArgumentException($"Kernel '{name}' is empty; it needs at least one row and one column.", nameof(values));
        foreach (var v in values)
            if (!float.IsFinite(v))
                throw new ArgumentException($"Kernel '{name}' holds a non-finite value ({v}).", nameof(values));
        Name = name;
        _values = (float[,])values.Clone();
    }

    /// <summary>The display name.</summary>
    public string Name { get; }

    /// <summary>Number of rows.</summary>
    public int Height => _values.GetLength(0);

    /// <summary>Number of columns.</summary>
    public int Width => _values.GetLength(1);

    /// <summary>A copy of the weights.</summary>
    public float[,] Values => (float[,])_values.Clone();

    /// <summary>The weight at a row and column.</summary>
    public float this[int row, int column] => _values[row, column];

    /// <summary>Leaves the image unchanged.</summary>
    public static ImageKernel Identity { get; } = new("Identity", new float[,] { { 0, 0, 0 }, { 0, 1, 0 }, { 0, 0, 0 } });

    /// <summary>Responds to edges in every direction (a Laplacian-style kernel that sums to zero).</summary>
    public static ImageKernel EdgeDetection { get; } = new("Edge detection", new float[,] { { -1, -1, -1 }, { -1, 8, -1 }, { -1, -1, -1 } });

    /// <summary>Boosts a pixel against its four neighbours.</summary>
    public static ImageKernel Sharpen { get; } = new("Sharpen", new float[,] { { 0, -1, 0 }, { -1, 5, -1 }, { 0, -1, 0 } });

    /// <summary>Averages each 3x3 neighbourhood.</summary>
    public static ImageKernel BoxBlur { get; } = new("Box blur", new float[,] { { 1f / 9, 1f / 9, 1f / 9 }, { 1f / 9, 1f / 9, 1f / 9 }, { 1f / 9, 1f / 9, 1f / 9 } });

    /// <summary>Horizontal gradient: responds to vertical edges.</summary>
    public static ImageKernel SobelX { get; } = new("Sobel X", new float[,] { { -1, 0, 1 }, { -2, 0, 2 }, { -1, 0, 1 } });

    /// <summary>Vertical gradient: responds to horizontal edges.</summary>
    public static ImageKernel SobelY { get; } = new("Sobel Y", new float[,] { { -1, -2, -1 }, { 0, 0, 0 }, { 1, 2, 1 } });

    /// <summary>All the classic kernels above, in a fixed order.</summary>
    public static IReadOnlyList<ImageKernel> Classic { get; } = [Identity, EdgeDetection, Sharpen, BoxBlur, SobelX, SobelY];

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Height}x{Width})";
}
