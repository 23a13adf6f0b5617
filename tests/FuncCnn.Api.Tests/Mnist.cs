using FuncCnn;

namespace FuncCnn.Api.Tests;

/// <summary>The real MNIST from ../shared/datasets (loaded once for all tests) and small slices of it.</summary>
internal static class Mnist
{
    private static readonly Lazy<DatasetPair> Data = new(() => Datasets.Mnist());

    public static Dataset Train => Data.Value.Train;
    public static Dataset Test => Data.Value.Test;

    /// <summary>
    /// A small CNN (8 filters, 13,610 parameters): about 30x cheaper per image than the seed CNN, so
    /// training tests stay within seconds on a shared 2-core machine.
    /// </summary>
    public static ModelBuilder SmallCnn() =>
        ModelBuilder.Input(1, 28, 28)
            .Conv2D(8, 3, Activation.Relu, name: "conv1").MaxPool2D(2, name: "pool1")
            .Flatten(name: "flatten").Dense(10, name: "dense1");
}
