using FuncCnn;
using Xunit;

namespace FuncCnn.Api.Tests;

public class DatasetTests
{
    [Fact]
    public void FromArrays_builds_a_dataset_and_scales_bytes_to_unit_range()
    {
        var pixels = new byte[3 * 4];
        pixels[5] = 255;
        var ds = Dataset.FromArrays(pixels, [2, 2], [0, 1, 1], ["a", "b"], "tiny");
        Assert.Equal(3, ds.Count);
        Assert.Equal([1, 2, 2], ds.ImageShape);
        Assert.Equal([0f, 1f, 0f, 0f], ds.Image(1));
        Assert.Equal([1, 2], ds.ClassCounts());
        Assert.Equal("tiny: 3 images of (1,2,2), 2 classes", ds.ToString());
        var floats = Dataset.FromArrays(new float[] { 0.5f, 2f }, [1, 1, 1], [0, 0], ["only"]);
        Assert.Equal([2f], floats.Image(1));
    }

    [Fact]
    public void FromArrays_rejects_inconsistent_input_with_a_message()
    {
        var count = Assert.Throws<ShapeException>(() => Dataset.FromArrays(new byte[10], [2, 2], [0, 1, 1], ["a", "b"]));
        Assert.Contains("need 12 pixel values, found 10", count.Message);
        var label = Assert.Throws<InvalidValueException>(() => Dataset.FromArrays(new byte[4], [2, 2], [2], ["a", "b"]));
        Assert.Contains("label 2", label.Message);
        Assert.Throws<ArgumentNullException>(() => Dataset.FromArrays((byte[])null!, [2, 2], [0], ["a"]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Datasets.Letters().Image(10));
    }

    [Fact]
    public void Letters_mnist_and_quickdraw_load()
    {
        var letters = Datasets.Letters();
        Assert.Equal(10, letters.Count);
        Assert.Equal(["O", "X"], letters.ClassNames);
        Assert.Equal(60_000, Mnist.Train.Count);
        Assert.Equal([5, 0, 4, 1, 9], Mnist.Train.Labels.Take(5));
        var qd = Datasets.QuickDraw(categories: ["apple", "eye"], testFraction: 0.1, seed: 1);
        Assert.Equal(["apple", "eye"], qd.Train.ClassNames);
        Assert.Equal(6000, qd.Train.Count + qd.Test.Count);
        Assert.Equal(600, qd.Test.Count);
        var (train, validation) = letters.Split(0.2);
        Assert.Equal((8, 2), (train.Count, validation.Count));
    }

    [Fact]
    public void A_missing_dataset_says_where_it_looked_and_how_to_get_it()
    {
        var e = Assert.Throws<DataFormatException>(() => Datasets.FashionMnist("/nonexistent/fashion"));
        Assert.Contains("/nonexistent/fashion", e.Message);
        Assert.Contains("apt-get install", e.Message);
        Assert.NotNull(Datasets.Locate("mnist", out var none));
        Assert.Null(none);
        Assert.Throws<ArgumentException>(() => Datasets.Locate("cifar", out _));
    }
}
