using FuncCnn;
using Xunit;

namespace FuncCnn.Api.Tests;

/// <summary>Sizes whose products overflow 32 bits, through the C# API (issue 13): clear typed errors, never a wrapped size.</summary>
public class HostileApiTests
{
    [Fact]
    public void A_conv_whose_output_overflows_32_bits_is_refused_at_build()
    {
        var e = Assert.ThrowsAny<FuncCnnException>(() => ModelBuilder.Input(1, 2048, 2048).Conv2D(1027, 3).Build());
        Assert.IsType<ShapeException>(e);
        Assert.Contains("more than one tensor can hold", e.Message);
    }

    [Fact]
    public void A_dataset_whose_image_size_overflows_32_bits_is_refused()
    {
        var e = Assert.Throws<ShapeException>(() => Dataset.FromArrays(new byte[0], [65536, 65536], [0], ["a"]));
        Assert.Contains("65536", e.Message);
    }
}

public class HostileImageOpsTests
{
    [Fact]
    public void Image_dimensions_whose_product_wraps_around_are_refused()
    {
        // 65536 x 65537 wraps to 65536 in 32 bits
        var e = Assert.Throws<ArgumentException>(() => ImageOps.FromBytes(new byte[65536], 65536, 65537));
        Assert.Contains("65536x65537", e.Message);
    }
}
