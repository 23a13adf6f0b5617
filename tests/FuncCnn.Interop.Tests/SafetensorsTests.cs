using System.Buffers.Binary;
using System.Text;
using FuncCnn;
using Xunit;

namespace FuncCnn.Interop.Tests;

public class SafetensorsTests
{
    [Fact]
    public void Parameters_round_trip_bit_for_bit_with_class_names()
    {
        var model = ModelZoo.Build("seed-cnn", seed: 1).WithClassNames(Enumerable.Range(0, 10).Select(i => $"digit {i}"));
        using var dir = new TempDir();
        var path = dir.File("seed.safetensors");
        model.SaveSafetensors(path);
        var fresh = ModelZoo.Build("seed-cnn", seed: 2);
        var loaded = fresh.LoadSafetensors(path);
        Assert.Equal(model.ClassNames, loaded.ClassNames);
        foreach (var layer in model.Layers.Where(l => l.ParameterCount > 0).Select(l => l.Name))
        {
            Assert.Equal(model.Filters(layer).Weights, loaded.Filters(layer).Weights);
            Assert.Equal(model.Filters(layer).Bias, loaded.Filters(layer).Bias);
        }
        var e = Assert.Throws<ModelFileException>(() => Model.Load(path));
        Assert.Contains("LoadSafetensors", e.Message);
    }

    [Fact]
    public void A_tensor_of_the_wrong_shape_or_a_missing_one_is_named()
    {
        using var dir = new TempDir();
        var path = dir.File("small.safetensors");
        ModelZoo.Build("o-vs-x").SaveSafetensors(path);
        var target = ModelZoo.Build("seed-cnn");
        var e = Assert.Throws<ModelFileException>(() => target.LoadSafetensors(path));
        Assert.Contains(target.Layers[0].Name + "/kernel", e.Message);
    }

    /// <summary>A safetensors file with the given JSON header and data bytes.</summary>
    internal static byte[] Crafted(string header, int dataBytes, ulong? declaredHeaderLength = null)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + h.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredHeaderLength ?? (ulong)h.Length);
        h.CopyTo(bytes, 8);
        return bytes;
    }

    public static TheoryData<string, byte[], string> CraftedHeaders() => new()
    {
        { "gap", Crafted("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}}""", 20), "contiguous" },
        { "overlap", Crafted("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12), "contiguous" },
        { "out of bounds", Crafted("""{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 8), "out of bounds" },
        { "size vs shape", Crafted("""{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8), "needs 12 bytes" },
        { "huge shape", Crafted("""{"a":{"dtype":"F32","shape":[1000000000000,1000000000000],"data_offsets":[0,8]}}""", 8), "more values than the file holds" },
        { "huge header length", Crafted("{}", 0, ulong.MaxValue), "exceeds the file" },
        { "header past the end", Crafted("""{"a":1}""", 0, 4096), "exceeds the file" },
        { "not json", Crafted("{{{{", 0), "JSON" },
        { "negative offset", Crafted("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}""", 8), "non-negative" },
        { "unknown dtype", Crafted("""{"a":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}}""", 8), "dtype" },
        { "trailing data", Crafted("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 16), "cover 8 bytes" },
        { "short", [1, 2, 3], "shorter" },
    };

    [Theory]
    [MemberData(nameof(CraftedHeaders))]
    public void Crafted_headers_fail_with_a_model_file_exception_before_any_data_is_read(string name, byte[] bytes, string says)
    {
        using var dir = new TempDir();
        var path = dir.File(name.Replace(' ', '-') + ".safetensors");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<ModelFileException>(() => ModelZoo.Build("o-vs-x").LoadSafetensors(path));
        Assert.Contains(says, e.Message);
        Assert.Contains(Path.GetFileName(path), e.Message);
    }
}
