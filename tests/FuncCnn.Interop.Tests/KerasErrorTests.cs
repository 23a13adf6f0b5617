using System.IO.Compression;
using FuncCnn;
using PureHDF;
using Xunit;

namespace FuncCnn.Interop.Tests;

/// <summary>
/// Keras 3 archives (.keras) made from the real cnn_model.h5 (its configuration and weights, written
/// with PureHDF in the archive's layout), and damaged or unsupported variants of it.
/// </summary>
public class KerasErrorTests
{
    private static readonly string[] WeightLayers = ["conv1", "conv2", "dense1", "output"];

    private static string ModelConfig()
    {
        using var h5 = H5File.OpenRead(Shared.Keras("cnn_model.h5"));
        return h5.Attribute("model_config").Read<string>();
    }

    /// <summary>Writes a .keras archive: config.json and model.weights.h5 with layers/&lt;name&gt;/vars/&lt;i&gt;.</summary>
    internal static string WriteArchive(string path, string config, Func<string, int, float[], object>? weight = null)
    {
        using var source = H5File.OpenRead(Shared.Keras("cnn_model.h5"));
        var layers = new H5Group();
        foreach (var name in WeightLayers)
        {
            var group = source.Group("model_weights").Group(name);
            var vars = new H5Group();
            var names = group.Attribute("weight_names").Read<string[]>();
            for (int i = 0; i < names.Length; i++)
            {
                var d = group.Dataset(names[i]);
                var data = d.Read<float[]>();
                vars[i.ToString()] = new H5Dataset(weight?.Invoke(name, i, data) ?? data, fileDims: d.Space.Dimensions);
            }
            layers[name] = new H5Group { ["vars"] = vars };
        }
        var weights = new H5File { ["layers"] = layers };
        var weightsPath = path + ".weights.h5";
        weights.Write(weightsPath);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using (var w = new StreamWriter(zip.CreateEntry("config.json").Open())) w.Write(config);
            zip.CreateEntryFromFile(weightsPath, "model.weights.h5");
        }
        File.Delete(weightsPath);
        return path;
    }

    [Fact]
    public void A_keras_archive_imports_and_computes_what_the_h5_file_computes()
    {
        using var dir = new TempDir();
        var path = WriteArchive(dir.File("cnn_model.keras"), ModelConfig());
        var imported = Model.ImportKerasFile(path);
        Assert.Equal("keras", imported.Format);
        var images = Shared.MnistImages(8);
        Assert.Equal(Model.ImportKeras(Shared.Keras("cnn_model.h5")).Outputs(images), imported.Model.Outputs(images));
    }

    [Theory]
    [InlineData("\"activation\": \"relu\"", "\"activation\": \"elu\"", "elu")]
    [InlineData("\"data_format\": \"channels_last\"", "\"data_format\": \"channels_first\"", "channels_first")]
    [InlineData("\"config\": {\"name\": \"float32\"}", "\"config\": {\"name\": \"float16\"}", "float16")]
    [InlineData("\"class_name\": \"Conv2D\"", "\"class_name\": \"DepthwiseConv2D\"", "DepthwiseConv2D")]
    [InlineData("\"dilation_rate\": [1, 1]", "\"dilation_rate\": [2, 2]", "dilation")]
    public void An_unsupported_setting_of_the_first_convolution_is_named_with_its_layer(string from, string to, string named)
    {
        var config = ModelConfig();
        int at = config.IndexOf(from, StringComparison.Ordinal);
        Assert.True(at > 0, $"'{from}' not in the configuration");
        var changed = config[..at] + to + config[(at + from.Length)..];
        using var dir = new TempDir();
        var e = Assert.Throws<ModelFileException>(() => Model.ImportKeras(WriteArchive(dir.File("m.keras"), changed)));
        Assert.Contains("conv1", e.Message);
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void Float64_weights_are_refused_naming_the_layer()
    {
        using var dir = new TempDir();
        var path = WriteArchive(dir.File("m.keras"), ModelConfig(), (layer, i, data) => layer == "conv2" && i == 0 ? data.Select(v => (double)v).ToArray() : data);
        var e = Assert.Throws<ModelFileException>(() => Model.ImportKeras(path));
        Assert.Contains("conv2", e.Message);
        Assert.Contains("float32", e.Message);
    }

    [Fact]
    public void Weights_that_do_not_fit_the_configuration_are_refused()
    {
        using var dir = new TempDir();
        var path = WriteArchive(dir.File("m.keras"), ModelConfig().Replace("\"units\": 64", "\"units\": 65"));
        var e = Assert.Throws<ModelFileException>(() => Model.ImportKeras(path));
        Assert.Contains("dense1", e.Message);
    }

    [Fact]
    public void Non_hdf5_truncated_and_empty_files_fail_with_a_model_file_exception_naming_the_file()
    {
        using var dir = new TempDir();
        var real = File.ReadAllBytes(Shared.Keras("cnn_model.h5"));
        var cases = new Dictionary<string, byte[]>
        {
            ["text.h5"] = "this is not a model"u8.ToArray(),
            ["empty.h5"] = [],
            ["truncated.h5"] = real[..(real.Length / 3)],
            ["header-only.h5"] = real[..4096],
            ["zip-without-config.keras"] = [0x50, 0x4B, 0x03, 0x04, 1, 2, 3, 4, 5, 6],
        };
        foreach (var (name, bytes) in cases)
        {
            var path = dir.File(name);
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<ModelFileException>(() => Model.ImportKeras(path));
            Assert.Contains(name, e.Message);
        }
    }

    [Fact]
    public void A_missing_file_is_a_file_not_found_exception() =>
        Assert.Throws<FileNotFoundException>(() => Model.ImportKeras("/nonexistent/model.h5"));
}
