/// The model file format: round trips and every kind of damage.
module FuncCnn.Core.Tests.SerializationTests

open System
open System.IO
open System.Security.Cryptography
open System.Text
open Xunit
open FuncCnn
open FuncCnn.Core
open FuncCnn.Core.Layers

let private tempDir () =
    let d = Path.Combine(Path.GetTempPath(), "funccnn-tests-" + Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory d |> ignore
    d

let private bits (t: Tensor) = t.ToArray() |> Array.map BitConverter.SingleToInt32Bits

let private sample () =
    let model = Model.build (Rng.create 5L) Zoo.mnistInput Zoo.mnist5x5
    let history =
        [ { Epoch = 1; TrainLoss = 0.5; TrainAccuracy = Some 0.8; ValLoss = None; ValAccuracy = None; LearningRate = 1e-3f; Seconds = 1.25; Complete = true } ]
    { Model = model; ClassNames = Array.init 10 string; History = history; Metadata = Map [ "dataset", "mnist"; "seed", "5" ] }

let private images = Tensor.ofArray [| 3; 1; 28; 28 |] (Rng.uniform 0.0f 1.0f (3 * 784) (Rng.create 9L))

[<Fact>]
let ``a round trip rebuilds the model and gives bit-identical predictions`` () =
    let dir = tempDir ()
    let path = Path.Combine(dir, "m.fcnn")
    let saved = sample ()
    Serialization.save path saved
    let loaded = Serialization.load path
    Assert.Equal<BuiltLayer list>(saved.Model.Layers, loaded.Model.Layers)
    Assert.Equal<int[]>(saved.Model.InputShape, loaded.Model.InputShape)
    Assert.Equal<string[]>(saved.ClassNames, loaded.ClassNames)
    Assert.Equal<EpochRecord list>(saved.History, loaded.History)
    Assert.Equal<Map<string, string>>(saved.Metadata, loaded.Metadata)
    Assert.Equal<string list>(ParamTree.leaves saved.Model.Params |> List.map fst, ParamTree.leaves loaded.Model.Params |> List.map fst)
    Assert.Equal<int[]>(bits (Train.predict 8 saved.Model images), bits (Train.predict 8 loaded.Model images))
    Assert.Equal<int[]>(bits (Model.predictRaw saved.Model images), bits (Model.predictRaw loaded.Model images))
    Assert.Empty(Directory.GetFiles(dir, "*.tmp"))
    Directory.Delete(dir, true)

[<Fact>]
let ``every zoo preset and the frozen autoencoder survive a round trip`` () =
    for name, arch, input in Zoo.presets do
        let model = Model.build (Rng.create 1L) input arch
        let back = Serialization.ofBytes name (Serialization.toBytes { Model = model; ClassNames = [||]; History = []; Metadata = Map.empty })
        Assert.Equal<BuiltLayer list>(model.Layers, back.Model.Layers)
        Assert.True((ParamTree.leaves model.Params |> List.map (snd >> bits)) = (ParamTree.leaves back.Model.Params |> List.map (snd >> bits)), name)
    let auto, _ = Zoo.autoencoderFrom (Rng.create 2L) (Model.build (Rng.create 1L) Zoo.mnistInput Zoo.seedCnn)
    let back = Serialization.ofBytes "auto" (Serialization.toBytes { Model = auto; ClassNames = [||]; History = []; Metadata = Map.empty })
    Assert.Equal<int[]>(bits (Model.predictRaw auto images), bits (Model.predictRaw back.Model images))

let private bytes () = Serialization.toBytes (sample ())

let private rehash (b: byte[]) =
    let n = b.Length - 32
    SHA256.HashData(ReadOnlySpan(b, 0, n)).CopyTo(b, n)
    b

let private loadFails (b: byte[]) = Assert.Throws<ModelFileException>(fun () -> Serialization.ofBytes "broken.fcnn" b |> ignore)

[<Fact>]
let ``a wrong magic is rejected`` () =
    let b = bytes ()
    b.[0] <- byte 'X'
    Assert.Contains("not a FuncCnn model file", (loadFails b).Message)

[<Fact>]
let ``a newer version is rejected`` () =
    let b = bytes ()
    b.[4] <- 2uy
    let ex = loadFails (rehash b)
    Assert.Contains("version 2 is newer", ex.Message)
    Assert.Equal("broken.fcnn", ex.File)

[<Fact>]
let ``a truncated file is rejected`` () =
    let b = bytes ()
    for cut in [ 3; 10; 200; b.Length / 2; b.Length - 1 ] do
        let ex = loadFails b.[.. cut - 1]
        Assert.True(ex.Message.Contains "truncated" || ex.Message.Contains "not a FuncCnn", ex.Message)

[<Fact>]
let ``a flipped bit fails the checksum`` () =
    let b = bytes ()
    let i = b.Length - 100 // inside the blobs
    b.[i] <- b.[i] ^^^ 1uy
    Assert.Contains("checksum mismatch", (loadFails b).Message)

[<Fact>]
let ``a parameter shape that does not match the architecture is rejected`` () =
    let b = bytes ()
    let len = BitConverter.ToInt32(b, 8)
    let manifest = Encoding.UTF8.GetString(b, 12, len)
    // swap the first dense layer's units in the architecture only: the manifest's shapes now disagree
    let edited = Encoding.UTF8.GetBytes(manifest.Replace("\"units\": 128", "\"units\": 127"))
    Assert.NotEqual(manifest.Length, 0)
    let blobs = b.[12 + len .. b.Length - 33]
    let ex = loadFails (Serialization.assemble edited blobs)
    Assert.Contains("dense/kernel", ex.Message)
    Assert.Contains("[256,128]", ex.Message)
    Assert.Contains("[256,127]", ex.Message)

[<Fact>]
let ``an unknown layer type is rejected without running anything`` () =
    let b = bytes ()
    let len = BitConverter.ToInt32(b, 8)
    let manifest = Encoding.UTF8.GetString(b, 12, len).Replace("\"Flatten\"", "\"Lambda\"")
    let ex = loadFails (Serialization.assemble (Encoding.UTF8.GetBytes manifest) b.[12 + len .. b.Length - 33])
    Assert.Contains("unknown layer type 'Lambda'", ex.Message)

[<Fact>]
let ``a failed save leaves the previous file intact and no temporary file`` () =
    let dir = tempDir ()
    let path = Path.Combine(dir, "m.fcnn")
    let good = sample ()
    Serialization.save path good
    let before = File.ReadAllBytes path
    // parameters that do not fit the layers: the save fails before anything replaces the file
    let broken = { good with Model = { good.Model with Params = ParamTree.map (fun t -> Tensor.zeros [| 1 |]) good.Model.Params } }
    Assert.ThrowsAny<FuncCnnException>(fun () -> Serialization.save path broken) |> ignore
    // a target that cannot be replaced (a directory) fails as a ModelFileException
    Assert.Throws<ModelFileException>(fun () -> Serialization.save dir good) |> ignore
    Assert.Equal<byte[]>(before, File.ReadAllBytes path)
    Assert.Empty(Directory.GetFiles(dir, "*.tmp"))
    Assert.Empty(Directory.GetFiles(Path.GetDirectoryName dir, Path.GetFileName dir + ".*.tmp"))
    Directory.Delete(dir, true)

[<Fact>]
let ``a missing file is a ModelFileException naming it`` () =
    let ex = Assert.Throws<ModelFileException>(fun () -> Serialization.load "/nonexistent/model.fcnn" |> ignore)
    Assert.Contains("/nonexistent/model.fcnn", ex.Message)
