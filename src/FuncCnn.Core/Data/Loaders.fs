namespace FuncCnn.Core.Data

open FuncCnn

open FuncCnn.Core
open System
open System.IO
/// Loading a pair of IDX files (images + labels) into a dataset, checked against each other.
module internal IdxPair =
    /// The file for a stem: "<stem>.gz" or "<stem>" (the first that exists).
    let file (folder: string) (stem: string) =
        let gz = Path.Combine(folder, stem + ".gz")
        if File.Exists gz then gz else Path.Combine(folder, stem)

    /// True when both forms of every stem are missing from nothing (each stem has a file).
    let present (stems: string list) (folder: string) = stems |> List.forall (fun s -> File.Exists(file folder s))

    let load (name: string) (folder: string) (imagesStem: string) (labelsStem: string) (classNames: string[]) : Dataset =
        let imagesFile, labelsFile = file folder imagesStem, file folder labelsStem
        // the headers first: counts that disagree fail before either file's data is inflated
        match Idx.readHeader imagesFile, Idx.readHeader labelsFile with
        | (_, [| n; _; _ |]), (_, [| m |]) when n <> m ->
            Fail.data labelsFile "%d labels, but %s holds %d images (the counts must match)" m imagesFile n
        | _ -> ()
        let dims, pixels = Idx.readUBytes imagesFile 3
        let ldims, labels = Idx.readUBytes labelsFile 1
        if dims.[0] <> ldims.[0] then
            Fail.data labelsFile "%d labels, but %s holds %d images (the counts must match)" ldims.[0] imagesFile dims.[0]
        match labels |> Array.tryFindIndex (fun l -> int l >= classNames.Length) with
        | Some i -> Fail.data labelsFile "label %d of image %d is outside the class range 0..%d" labels.[i] i (classNames.Length - 1)
        | None -> ()
        { Name = name; Pixels = Bytes pixels; ImageShape = [| 1; dims.[1]; dims.[2] |]
          Labels = labels |> Array.map int; ClassNames = classNames }
        |> Dataset.validate

    let stems = [ "train-images-idx3-ubyte"; "train-labels-idx1-ubyte"; "t10k-images-idx3-ubyte"; "t10k-labels-idx1-ubyte" ]

    let loadTrainTest (name: string) (folder: string) (classNames: string[]) =
        load (name + "/train") folder "train-images-idx3-ubyte" "train-labels-idx1-ubyte" classNames,
        load (name + "/test") folder "t10k-images-idx3-ubyte" "t10k-labels-idx1-ubyte" classNames

    let expects = "the four IDX files train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each plain or .gz)"

/// The MNIST handwritten digits: 60,000 training and 10,000 test images, 28x28, labels 0-9.
module Mnist =
    /// "0" .. "9".
    let classNames = Array.init 10 string

    /// Where MNIST lives and how to get it.
    let spec =
        { Name = "mnist"; IsPresent = IdxPair.present IdxPair.stems; Expects = IdxPair.expects; SystemFolders = []
          HowToGet =
            sprintf "use the shared copy in ../shared/datasets/mnist, or download the four files from https://yann.lecun.com/exdb/mnist/ (or a mirror) into a folder and pass its path or set %s to its parent folder" DataLocator.Variable }

    /// Loads (train, test) from a folder holding the four IDX files.
    let loadFolder (folder: string) = IdxPair.loadTrainTest "mnist" folder classNames

    /// Loads (train, test): from the explicit path when given, else from the first place
    /// DataLocator finds (FUNCCNN_DATA, ../shared/datasets/mnist).
    let load (path: string option) = loadFolder (DataLocator.require spec path)

/// Fashion-MNIST (Zalando): the MNIST format with 10 clothing classes.
module FashionMnist =
    /// The class names, by label.
    let classNames = [| "T-shirt/top"; "Trouser"; "Pullover"; "Dress"; "Coat"; "Sandal"; "Shirt"; "Sneaker"; "Bag"; "Ankle boot" |]

    /// Where Fashion-MNIST lives (Debian's dataset-fashion-mnist package) and how to get it.
    let spec =
        { Name = "fashion-mnist"; IsPresent = IdxPair.present IdxPair.stems; Expects = IdxPair.expects
          SystemFolders = [ "/usr/share/datasets/fashion-mnist" ]
          HowToGet = "apt-get install -y dataset-fashion-mnist (installs /usr/share/datasets/fashion-mnist), or download the four files from https://github.com/zalandoresearch/fashion-mnist and pass their folder" }

    /// Loads (train, test) from a folder holding the four IDX files.
    let loadFolder (folder: string) = IdxPair.loadTrainTest "fashion-mnist" folder classNames

    /// Loads (train, test) from the explicit path, FUNCCNN_DATA, ../shared/datasets or the Debian folder.
    let load (path: string option) = loadFolder (DataLocator.require spec path)

/// Quick, Draw! drawings: Google's numpy_bitmap .npy files (one per category) and the
/// simplified stroke format.
module QuickDraw =
    /// Where the bitmap folder lives and how to get it.
    let spec =
        { Name = "quickdraw"
          IsPresent = fun dir -> Directory.EnumerateFiles(dir, "*.npy") |> Seq.isEmpty |> not
          Expects = "one <category>.npy file (uint8, shape (N, 784)) per category"
          SystemFolders = []
          HowToGet = "use ../shared/datasets/quickdraw, or download <category>.npy files from https://console.cloud.google.com/storage/browser/quickdraw_dataset/full/numpy_bitmap into a folder and pass its path" }

    /// The categories of a folder: the names of its .npy files, sorted ordinally.
    let categories (folder: string) =
        DataFile.guard folder (fun () ->
            Directory.GetFiles(folder, "*.npy") |> Array.map Path.GetFileNameWithoutExtension |> Array.sortWith (fun a b -> String.CompareOrdinal(a, b)))

    /// Reads one category file: (N, 784) or (N, 28, 28) uint8 drawings.
    let private readCategory (file: string) =
        let shape, data = Npy.readBytes file
        match shape with
        | [| n; 784 |] | [| n; 28; 28 |] -> n, data
        | _ -> Fail.data file "expected shape (N, 784) or (N, 28, 28) of 28x28 drawings, found %s" (Shape.show shape)

    /// One labelled dataset from a folder of <category>.npy files; labels follow the order of
    /// the given categories (default: all of the folder's, sorted). Images are grouped by
    /// category: shuffle or use shuffledBatches before training.
    let loadFolder (folder: string) (categories': string[] option) : Dataset =
        let available = categories folder
        let chosen = defaultArg categories' available
        if chosen.Length = 0 then Fail.data folder "no categories: the folder has no .npy files and none were asked for"
        for c in chosen do
            if not (Array.contains c available) then
                Fail.data (Path.Combine(folder, c + ".npy")) "category '%s' not found in the folder (available: %s)" c (String.Join(", ", available))
        let parts = chosen |> Array.map (fun c -> readCategory (Path.Combine(folder, c + ".npy")))
        let total = parts |> Array.sumBy (fun (n, _) -> int64 n)
        if total * 784L > DataFile.maxArrayBytes then Fail.data folder "%d drawings are more than one array can hold" total
        let pixels = Array.zeroCreate (int total * 784)
        let mutable at = 0
        for _, data in parts do
            Array.blit data 0 pixels at data.Length
            at <- at + data.Length
        { Name = "quickdraw"; Pixels = Bytes pixels; ImageShape = [| 1; 28; 28 |]
          Labels = parts |> Array.indexed |> Array.collect (fun (label, (n, _)) -> Array.create n label)
          ClassNames = Array.copy chosen }
        |> Dataset.validate

    /// loadFolder on the located folder (explicit path, FUNCCNN_DATA, ../shared/datasets/quickdraw).
    let load (path: string option) (categories': string[] option) = loadFolder (DataLocator.require spec path) categories'

    /// Drawings from stroke files (.ndjson, one drawing per line), rasterized to 28x28 like the
    /// numpy_bitmap files. A drawing's category is its "word" field, else its file's name;
    /// the classes are the distinct categories, sorted ordinally.
    let loadStrokes (files: string seq) : Dataset =
        let drawings =
            files
            |> Seq.collect (fun f ->
                let stem = Path.GetFileNameWithoutExtension f
                Strokes.readFile f |> Array.map (fun d -> defaultArg d.Word stem, d))
            |> Array.ofSeq
        let classes = drawings |> Array.map fst |> Array.distinct |> Array.sortWith (fun a b -> String.CompareOrdinal(a, b))
        if classes.Length = 0 then Fail.value "loadStrokes: the files hold no drawings"
        let index = classes |> Array.mapi (fun i c -> c, i) |> dict
        { Name = "quickdraw-strokes"
          Pixels = Bytes(drawings |> Array.collect (fun (_, d) -> Strokes.rasterize 28 d))
          ImageShape = [| 1; 28; 28 |]
          Labels = drawings |> Array.map (fun (c, _) -> index.[c])
          ClassNames = classes }
        |> Dataset.validate
