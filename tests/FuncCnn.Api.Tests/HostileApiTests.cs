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
