using FuncCnn;
using Xunit;

namespace FuncCnn.Api.Tests;

public class ImageOpsTests
{
    private static readonly float[,] SlideInput =
    {
        { 1, 2, 0, 1, 2 },
        { 0, 1, 3, 1, 0 },
        { 2, 2, 1, 0, 1 },
        { 1, 0, 2, 1, 3 },
        { 2, 1, 0, 1, 2 },
    };

    [Fact]
    public void Convolving_the_slide_example_gives_the_hand_derived_values()
    {
        var kernel = new ImageKernel("vertical edge", new float[,] { { 1, 0, -1 }, { 1, 0, -1 }, { 1, 0, -1 } });
        var result = ImageOps.Convolve(SlideInput, kernel);
        Assert.Equal(new float[,] { { -1, 3, 1 }, { -3, 1, 2 }, { 2, 1, -3 } }, result);
        Assert.Equal(new float[,] { { 3 } }, ImageOps.MaxPool(ImageOps.Relu(result), 2));
    }

    [Fact]
    public void Sobel_x_finds_a_vertical_edge_and_clamping_keeps_0_to_255()
    {
        // dark left half, bright right half
        var image = new float[6, 6];
        for (int i = 0; i < 6; i++)
            for (int j = 3; j < 6; j++)
                image[i, j] = 200;
        var raw = ImageOps.Convolve(image, ImageKernel.SobelX);
        Assert.Equal(800f, raw[0, 1]);   // the window straddles the edge: (1+2+1) * 200
        Assert.Equal(0f, raw[0, 3]);     // inside the bright half
        var clamped = ImageOps.Convolve(image, ImageKernel.SobelX, clampTo255: true);
        Assert.Equal(255f, clamped[0, 1]);
        var minus = ImageOps.Convolve(image, new ImageKernel("negated", new float[,] { { 1, 0, -1 }, { 2, 0, -2 }, { 1, 0, -1 } }), clampTo255: true);
        Assert.Equal(0f, minus[0, 1]);
    }

    [Fact]
    public void Box_blur_of_a_constant_image_is_the_constant_and_identity_is_a_crop()
    {
        var image = new float[5, 7];
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 7; j++)
                image[i, j] = i * 7 + j;
        var identity = ImageOps.Convolve(image, ImageKernel.Identity);
        Assert.Equal(3, identity.GetLength(0));
        Assert.Equal(5, identity.GetLength(1));
        Assert.Equal(image[1, 1], identity[0, 0]);
        Assert.Equal(image[3, 5], identity[2, 4]);
        var flat = new float[4, 4];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                flat[i, j] = 90;
        foreach (var v in ImageOps.Convolve(flat, ImageKernel.BoxBlur))
            Assert.Equal(90f, v, 3);
    }

    [Fact]
    public void Max_pooling_4x4_drops_partial_windows()
    {
        var image = new float[9, 10];
        image[0, 0] = 5;
        image[7, 7] = 9;
        image[8, 9] = 100; // in the dropped partial window
        var pooled = ImageOps.MaxPool(image, 4);
        Assert.Equal(new float[,] { { 5, 0 }, { 0, 9 } }, pooled);
    }

    [Fact]
    public void Bad_inputs_say_what_is_wrong()
    {
        var tiny = new float[2, 2];
        var e = Assert.Throws<ArgumentException>(() => ImageOps.Convolve(tiny, ImageKernel.Sharpen));
        Assert.Contains("2x2", e.Message);
        Assert.Contains("3x3", e.Message);
        Assert.Throws<ArgumentException>(() => ImageOps.MaxPool(tiny, 0));
        Assert.Throws<ArgumentException>(() => ImageOps.FromBytes(new byte[5], 2, 3));
        Assert.Throws<ArgumentException>(() => new ImageKernel("nan", new float[,] { { float.NaN } }));
    }

    [Fact]
    public void Kernels_are_immutable()
    {
        var values = ImageKernel.SobelX.Values;
        values[0, 0] = 42;
        Assert.Equal(-1f, ImageKernel.SobelX[0, 0]);
        Assert.Equal(6, ImageKernel.Classic.Count);
    }
}
