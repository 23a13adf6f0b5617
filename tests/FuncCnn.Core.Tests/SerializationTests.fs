/// The model file format: round trips and every kind of damage.
module FuncCnn.Core.Tests.SerializationTests

open System
open System.IO
open System.Security.Cryptography
open System.Text
open Expecto
open FuncCnn.Core.Tests.TestUtil
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

let private bytes () = Serialization.toBytes (sample ())

let private rehash (b: byte[]) =
    let n = b.Length - 32
    SHA256.HashData(ReadOnlySpan(b, 0, n)).CopyTo(b, n)
    b

let private loadFails (b: byte[]) = throws<ModelFileException> (fun () -> Serialization.ofBytes "broken.fcnn" b |> ignore)

[<Tests>]
let tests =
    testList "Serialization" [
        testCase "a round trip rebuilds the model and gives bit-identical predictions" <| fun () ->
            let dir = tempDir ()
            let path = Path.Combine(dir, "m.fcnn")
            let saved = sample ()
            Serialization.save path saved
            let loaded = Serialization.load path
            Expect.equal loaded.Model.Layers saved.Model.Layers "loaded.Model.Layers"
            Expect.equal loaded.Model.InputShape saved.Model.InputShape "loaded.Model.InputShape"
            Expect.equal loaded.ClassNames saved.ClassNames "loaded.ClassNames"
            Expect.equal loaded.History saved.History "loaded.History"
            Expect.equal loaded.Metadata saved.Metadata "loaded.Metadata"
            Expect.equal (ParamTree.leaves loaded.Model.Params |> List.map fst) (ParamTree.leaves saved.Model.Params |> List.map fst) "ParamTree.leaves loaded.Model.Params |> List.map fst"
            Expect.equal (bits (Train.predict 8 loaded.Model images)) (bits (Train.predict 8 saved.Model images)) "bits (Train.predict 8 loaded.Model images)"
            Expect.equal (bits (Model.predictRaw loaded.Model images)) (bits (Model.predictRaw saved.Model images)) "bits (Model.predictRaw loaded.Model images)"
            Expect.isEmpty (Directory.GetFiles(dir, "*.tmp")) "Directory.GetFiles(dir, \"*.tmp\")"
            Directory.Delete(dir, true)

        testCase "every zoo preset and the frozen autoencoder survive a round trip" <| fun () ->
            for name, arch, input in Zoo.presets do
                let model = Model.build (Rng.create 1L) input arch
                let back = Serialization.ofBytes name (Serialization.toBytes { Model = model; ClassNames = [||]; History = []; Metadata = Map.empty })
                Expect.equal back.Model.Layers model.Layers "back.Model.Layers"
                Expect.isTrue ((ParamTree.leaves model.Params |> List.map (snd >> bits)) = (ParamTree.leaves back.Model.Params |> List.map (snd >> bits))) name
            let auto, _ = Zoo.autoencoderFrom (Rng.create 2L) (Model.build (Rng.create 1L) Zoo.mnistInput Zoo.seedCnn)
            let back = Serialization.ofBytes "auto" (Serialization.toBytes { Model = auto; ClassNames = [||]; History = []; Metadata = Map.empty })
            Expect.equal (bits (Model.predictRaw back.Model images)) (bits (Model.predictRaw auto images)) "bits (Model.predictRaw back.Model images)"

        testCase "a wrong magic is rejected" <| fun () ->
            let b = bytes ()
            b.[0] <- byte 'X'
            Expect.stringContains ((loadFails b).Message) "not a FuncCnn model file" "(loadFails b).Message"

        testCase "a newer version is rejected" <| fun () ->
            let b = bytes ()
            b.[4] <- 2uy
            let ex = loadFails (rehash b)
            Expect.stringContains ex.Message "version 2 is newer" "ex.Message"
            Expect.equal ex.File "broken.fcnn" "ex.File"

        testCase "a truncated file is rejected" <| fun () ->
            let b = bytes ()
            for cut in [ 3; 10; 200; b.Length / 2; b.Length - 1 ] do
                let ex = loadFails b.[.. cut - 1]
                Expect.isTrue (ex.Message.Contains "truncated" || ex.Message.Contains "not a FuncCnn") ex.Message

        testCase "a flipped bit fails the checksum" <| fun () ->
            let b = bytes ()
            let i = b.Length - 100 // inside the blobs
            b.[i] <- b.[i] ^^^ 1uy
            Expect.stringContains ((loadFails b).Message) "checksum mismatch" "(loadFails b).Message"

        testCase "a parameter shape that does not match the architecture is rejected" <| fun () ->
            let b = bytes ()
            let len = BitConverter.ToInt32(b, 8)
            let manifest = Encoding.UTF8.GetString(b, 12, len)
            // swap the first dense layer's units in the architecture only: the manifest's shapes now disagree
            let edited = Encoding.UTF8.GetBytes(manifest.Replace("\"units\": 128", "\"units\": 127"))
            Expect.notEqual 0 manifest.Length "0"
            let blobs = b.[12 + len .. b.Length - 33]
            let ex = loadFails (Serialization.assemble edited blobs)
            Expect.stringContains ex.Message "dense/kernel" "ex.Message"
            Expect.stringContains ex.Message "[256,128]" "ex.Message"
            Expect.stringContains ex.Message "[256,127]" "ex.Message"

        testCase "an unknown layer type is rejected without running anything" <| fun () ->
            let b = bytes ()
            let len = BitConverter.ToInt32(b, 8)
            let manifest = Encoding.UTF8.GetString(b, 12, len).Replace("\"Flatten\"", "\"Lambda\"")
            let ex = loadFails (Serialization.assemble (Encoding.UTF8.GetBytes manifest) b.[12 + len .. b.Length - 33])
            Expect.stringContains ex.Message "unknown layer type 'Lambda'" "ex.Message"

        testCase "a failed save leaves the previous file intact and no temporary file" <| fun () ->
            let dir = tempDir ()
            let path = Path.Combine(dir, "m.fcnn")
            let good = sample ()
            Serialization.save path good
            let before = File.ReadAllBytes path
            // parameters that do not fit the layers: the save fails before anything replaces the file
            let broken = { good with Model = { good.Model with Params = ParamTree.map (fun t -> Tensor.zeros [| 1 |]) good.Model.Params } }
            throwsAny<FuncCnnException> (fun () -> Serialization.save path broken) |> ignore
            // a target that cannot be replaced (a directory) fails as an IOException naming it
            // (ModelFileException is for corrupt files being read)
            let io = throws<IOException> (fun () -> Serialization.save dir good)
            Expect.stringContains io.Message dir "the message names the target"
            Expect.equal (File.ReadAllBytes path) before "File.ReadAllBytes path"
            Expect.isEmpty (Directory.GetFiles(dir, "*.tmp")) "Directory.GetFiles(dir, \"*.tmp\")"
            Expect.isEmpty (Directory.GetFiles(Path.GetDirectoryName dir, Path.GetFileName dir + ".*.tmp")) "Directory.GetFiles(Path.GetDirectoryName dir, Path.GetFileName dir + \".*.tmp\")"
            Directory.Delete(dir, true)

        testCase "a missing file is a ModelFileException naming it" <| fun () ->
            let ex = throws<ModelFileException> (fun () -> Serialization.load "/nonexistent/model.fcnn" |> ignore)
            Expect.stringContains ex.Message "/nonexistent/model.fcnn" "ex.Message"
    ]
