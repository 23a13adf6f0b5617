using FuncCnn.Core;
using FuncCnn.Interop;
using CoreDataset = FuncCnn.Core.Data.Dataset;
using CoreDatasetModule = FuncCnn.Core.Data.DatasetModule;

namespace FuncCnn;

/// <summary>
/// A labelled image dataset, immutable. Images are (C,H,W) (NCHW without the batch); byte pixels
/// (0-255) become floats in [0,1] when a model sees them, float pixels are used as they are.
/// </summary>
public sealed partial class Dataset
{
    internal Dataset(CoreDataset core) => Core = core;

    internal CoreDataset Core { get; }

    /// <summary>
    /// A dataset from pixels in memory: <paramref name="pixels"/> holds the images back to back,
    /// row-major, each of <paramref name="shape"/> (H,W) or (C,H,W); byte values 0-255 are
    /// scaled to [0,1] for the model. The arrays are copied.
    /// </summary>
    /// <param name="pixels">count x C x H x W bytes.</param>
    /// <param name="shape">One image's shape: (H,W) or (C,H,W).</param>
    /// <param name="labels">One label per image, each in 0 .. classNames.Length - 1.</param>
    /// <param name="classNames">The name of each class, indexed by label.</param>
    /// <param name="name">A name for messages and reports.</param>
    /// <exception cref="ArgumentNullException">An array is null.</exception>
    /// <exception cref="ShapeException">The pixel count does not match labels x shape.</exception>
    /// <exception cref="InvalidValueException">A label is outside the classes.</exception>
    public static Dataset FromArrays(byte[] pixels, int[] shape, int[] labels, string[] classNames, string name = "custom")
    {
        CheckArgs(pixels, shape, labels, classNames, name);
        return new Dataset(CoreDatasetModule.ofBytes(name, shape, pixels, labels, classNames));
    }

    /// <summary>
    /// A dataset from float pixels, used as they are (no scaling; every value must be finite).
    /// Otherwise like the byte overload.
    /// </summary>
    /// <param name="pixels">count x C x H x W values.</param>
    /// <param name="shape">One image's shape: (H,W) or (C,H,W).</param>
    /// <param name="labels">One label per image, each in 0 .. classNames.Length - 1.</param>
    /// <param name="classNames">The name of each class, indexed by label.</param>
    /// <param name="name">A name for messages and reports.</param>
    /// <exception cref="ArgumentNullException">An array is null.</exception>
    /// <exception cref="ShapeException">The pixel count does not match labels x shape.</exception>
    /// <exception cref="InvalidValueException">A label is outside the classes, or a value is not finite.</exception>
    public static Dataset FromArrays(float[] pixels, int[] shape, int[] labels, string[] classNames, string name = "custom")
    {
        CheckArgs(pixels, shape, labels, classNames, name);
        return new Dataset(CoreDatasetModule.ofFloats(name, shape, pixels, labels, classNames));
    }

    private static void CheckArgs(object pixels, int[] shape, int[] labels, string[] classNames, string name)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(name);
    }

    /// <summary>The dataset's name, e.g. "mnist/train".</summary>
    public string Name => Core.Name;

    /// <summary>The number of images.</summary>
    public int Count => Core.Labels.Length;

    /// <summary>One image's shape (C,H,W).</summary>
    public IReadOnlyList<int> ImageShape => ReadOnly.Of(Core.ImageShape.ToArray());

    /// <summary>The class names, indexed by label.</summary>
    public IReadOnlyList<string> ClassNames => ReadOnly.Of(Core.ClassNames.ToArray());

    /// <summary>The label of every image.</summary>
    public IReadOnlyList<int> Labels => ReadOnly.Of(Core.Labels.ToArray());

    /// <summary>The label of one image.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside 0 .. Count - 1.</exception>
    public int Label(int index)
    {
        CheckIndex(index);
        return Core.Labels[index];
    }

    /// <summary>One image as the model sees it: C x H x W floats, row-major (bytes scaled to [0,1]).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside 0 .. Count - 1.</exception>
    public float[] Image(int index)
    {
        CheckIndex(index);
        return CoreDatasetModule.image(index, Core).ToArray();
    }

    /// <summary>How many images each class has, indexed by label.</summary>
    public IReadOnlyList<int> ClassCounts() => ReadOnly.Of(CoreDatasetModule.classCounts(Core));

    /// <summary>The first <paramref name="count"/> images (all of them when there are fewer).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The count is negative.</exception>
    public Dataset Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new Dataset(CoreDatasetModule.take(count, Core));
    }

    /// <summary>
    /// A seeded stratified sample of <paramref name="count"/> images in a seeded random order: every
    /// class gets a share proportional to its size (at least one image while the count allows one per
    /// class). Use it rather than <see cref="Take"/> for test subsets: it covers every class even when
    /// the dataset is sorted by class (Quick, Draw!). With a count of at least <see cref="Count"/> it
    /// is the whole dataset, shuffled.
    /// </summary>
    /// <param name="count">How many images.</param>
    /// <param name="seed">Seeds the choice and the order.</param>
    /// <exception cref="ArgumentOutOfRangeException">The count is negative.</exception>
    public Dataset Sample(int count, int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new Dataset(CoreDatasetModule.sample(RngModule.create(seed), count, Core));
    }

    /// <summary>The images at the given indices, in that order.</summary>
    /// <exception cref="InvalidValueException">An index is outside the dataset.</exception>
    public Dataset Subset(IEnumerable<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        return new Dataset(CoreDatasetModule.subset(indices.ToArray(), Core));
    }

    /// <summary>The images in a seeded random order.</summary>
    public Dataset Shuffle(int seed) => new(CoreDatasetModule.shuffle(RngModule.create(seed), Core));

    /// <summary>
    /// Splits off the last <paramref name="validationFraction"/> of the images as the validation part
    /// (Keras' validation_split, no shuffling): the fraction is the size of the second part,
    /// round(Count x fraction) images, and the training part keeps the rest, so 1,000 images split
    /// 0.2 give 800 training and 200 validation images.
    /// </summary>
    /// <param name="validationFraction">The validation part's share, in [0, 1].</param>
    /// <exception cref="InvalidValueException">The fraction is outside [0,1].</exception>
    public (Dataset Train, Dataset Validation) Split(double validationFraction)
    {
        var parts = CoreDatasetModule.split(validationFraction, Core);
        return (new Dataset(parts.Item1), new Dataset(parts.Item2));
    }

    /// <summary>A seeded stratified split: from each class round(count x fraction) random images go to the test part.</summary>
    /// <exception cref="InvalidValueException">The fraction is outside [0,1].</exception>
    public DatasetPair StratifiedSplit(double testFraction, int seed = 0)
    {
        var parts = CoreDatasetModule.stratifiedSplit(RngModule.create(seed), testFraction, Core);
        return new DatasetPair(new Dataset(parts.Item1), new Dataset(parts.Item2));
    }

    /// <summary>"name: count images of (C,H,W), k classes".</summary>
    public override string ToString() => $"{Name}: {Count} images of ({string.Join(",", Core.ImageShape)}), {Core.ClassNames.Length} classes";

    private void CheckIndex(int index)
    {
        if (index < 0 || index >= Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Dataset {Name} has images 0..{Count - 1}.");
    }
}

/// <summary>A training set and a test set.</summary>
/// <param name="Train">The training images.</param>
/// <param name="Test">The test images.</param>
public sealed record DatasetPair(Dataset Train, Dataset Test);

/// <summary>The datasets of the teaching material, found on disk or built in.</summary>
public static class Datasets
{
    /// <summary>
    /// MNIST digits (60,000 training and 10,000 test images, 28x28, classes "0".."9"). Looks in
    /// <paramref name="path"/> when given, else $FUNCCNN_DATA/mnist, else ../shared/datasets/mnist
    /// next to the repository.
    /// </summary>
    /// <param name="path">A folder holding the four IDX files (plain or .gz), or null to search.</param>
    /// <exception cref="DataFormatException">The data is not found (the message lists where it looked and how to get it) or is malformed.</exception>
    public static DatasetPair Mnist(string? path = null) => Pair(FuncCnn.Core.Data.Mnist.load(DataBridge.Option(path)));

    /// <summary>
    /// Fashion-MNIST (10 clothing classes, MNIST format). Looks in <paramref name="path"/> when given,
    /// else $FUNCCNN_DATA/fashion-mnist, ../shared/datasets/fashion-mnist, /usr/share/datasets/fashion-mnist
    /// (Debian's dataset-fashion-mnist package).
    /// </summary>
    /// <param name="path">A folder holding the four IDX files, or null to search.</param>
    /// <exception cref="DataFormatException">The data is not found or is malformed.</exception>
    public static DatasetPair FashionMnist(string? path = null) => Pair(FuncCnn.Core.Data.FashionMnist.load(DataBridge.Option(path)));

    /// <summary>
    /// Quick, Draw! drawings from a folder of &lt;category&gt;.npy files (28x28), split per class into
    /// training and test parts (a seeded, stratified split), each in a seeded random order (the
    /// categories mixed).
    /// </summary>
    /// <param name="folder">The folder, or null to search ($FUNCCNN_DATA/quickdraw, ../shared/datasets/quickdraw).</param>
    /// <param name="categories">The categories to load, in label order; null for all of the folder's, sorted.</param>
    /// <param name="testFraction">The fraction of each category held out for testing.</param>
    /// <param name="seed">Seeds the split.</param>
    /// <exception cref="DataFormatException">The folder or a category is missing, or a file is malformed.</exception>
    public static DatasetPair QuickDraw(string? folder = null, IEnumerable<string>? categories = null, double testFraction = 0.2, int seed = 0)
    {
        var cats = categories is null ? null : DataBridge.Option(categories.ToArray());
        var all = FuncCnn.Core.Data.QuickDraw.load(DataBridge.Option(folder), cats);
        // the files come one category after the other: shuffle both parts with the seed, so any
        // first-N view (a report's prediction grid, Take) sees every category
        var parts = new Dataset(all).StratifiedSplit(testFraction, seed);
        return new DatasetPair(parts.Train.Shuffle(seed), parts.Test.Shuffle(seed + 1));
    }

    /// <summary>
    /// The from-scratch CNN notebook's training set, exactly: its 6x6 letter O, the O shifted right, its
    /// letter X and the X shifted right (by the notebook's <c>create_shifted_*</c>), labels 0, 0, 1, 1,
    /// classes "O" and "X", pixels 0.0 or 1.0. The o-vs-x preset (40 parameters) is its network.
    /// </summary>
    public static Dataset NotebookLetters() => new(FuncCnn.Core.Data.NotebookLetters.trainingSet());

    /// <summary>
    /// Quick, Draw! drawings in Google's "simplified" stroke format (<c>.ndjson</c>, one drawing per line:
    /// <c>{"word": "cat", "drawing": [[xs], [ys]], ...}</c> or <c>[[xs],[ys],[ts]]</c> arrays), rasterized to
    /// 28x28 like the numpy_bitmap files, and split per class into training and test parts (seeded,
    /// stratified, each part in a seeded random order). A drawing's category is its "word", else its
    /// file's name.
    /// </summary>
    /// <param name="path">A .ndjson file, or a folder of them.</param>
    /// <param name="categories">The categories to keep, in label order; null for all, sorted.</param>
    /// <param name="testFraction">The fraction of each category held out for testing.</param>
    /// <param name="seed">Seeds the split and the order.</param>
    /// <exception cref="DataFormatException">No such file or folder, no .ndjson files, or a malformed line (the message names the file and line).</exception>
    /// <exception cref="InvalidValueException">A category is not in the files (the message lists those there are).</exception>
    public static DatasetPair QuickDrawStrokes(string path, IEnumerable<string>? categories = null, double testFraction = 0.2, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(path);
        string[] files;
        if (File.Exists(path)) files = [path];
        else if (Directory.Exists(path)) files = Directory.GetFiles(path, "*.ndjson").Order(StringComparer.Ordinal).ToArray();
        else throw new DataFormatException(path, "no such .ndjson file or folder");
        if (files.Length == 0) throw new DataFormatException(path, "the folder has no .ndjson stroke files");
        var all = FuncCnn.Core.Data.QuickDraw.loadStrokes(files);
        if (categories is not null) all = CoreDatasetModule.selectClasses(categories.ToArray(), all);
        var parts = new Dataset(all).StratifiedSplit(testFraction, seed);
        return new DatasetPair(parts.Train.Shuffle(seed), parts.Test.Shuffle(seed + 1));
    }

    /// <summary>The teaching letters: ten 6x6 images of "O" and "X" (centred and shifted by one pixel).</summary>
    public static Dataset Letters() => new(FuncCnn.Core.Data.Letters.dataset());

    /// <summary>
    /// The folder a dataset ("mnist", "fashion-mnist", "quickdraw") would be loaded from, or null
    /// when it is not found, with the message that says where it looked.
    /// </summary>
    /// <param name="dataset">"mnist", "fashion-mnist" or "quickdraw".</param>
    /// <param name="explanation">Where it looked and how to get the data, when it is not found.</param>
    /// <exception cref="ArgumentException">The dataset name is not one of the three.</exception>
    public static string? Locate(string dataset, out string? explanation) => DataBridge.Locate(dataset, out explanation);

    private static DatasetPair Pair(Tuple<FuncCnn.Core.Data.Dataset, FuncCnn.Core.Data.Dataset> parts) =>
        new(new Dataset(parts.Item1), new Dataset(parts.Item2));
}
