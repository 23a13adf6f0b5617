/// The core side of models in and out: Keras' (TensorFlow's) "same" placement for transposed
/// convolutions, and the ONNX and safetensors round trips straight through the F# modules.
module FuncCnn.Core.Tests.InteropTests

open Expecto
open FuncCnn
open FuncCnn.Core
open FuncCnn.Core.Interop

[<Tests>]
let tests =
    testList "Interop" [
        testCase "TensorFlow's same puts the odd padding pixel of a transposed convolution bottom/right" <| fun () ->
            // the k - s pixels of padding: (before, after) = floor, ceil for TF; ceil, floor for PyTorch
            for k, s, tf, torch in [ 3, 2, 0, 1; 3, 1, 1, 1; 4, 2, 1, 1; 5, 2, 1, 2; 2, 3, 0, 0; 1, 1, 0, 0 ] do
                let x, w = [| 1; 1; 5; 4 |], [| 1; 1; k; k |]
                let gTf = Shape.convTranspose2dSameTf x w (s, s)
                let gTorch = Shape.convTranspose2dSame x w (s, s)
                Expect.equal (gTf.PadTop, gTf.PadLeft, gTf.H, gTf.W) (tf, tf, 5 * s, 4 * s) (sprintf "TF k=%d s=%d" k s)
                Expect.equal (gTorch.PadTop, gTorch.H) (torch, 5 * s) (sprintf "PyTorch k=%d s=%d" k s)

        testCase "for k=3, stride 2 the two placements are the same image shifted by one pixel" <| fun () ->
            let x = GradientPropertyTests.values 1 -1.f 1.f [| 1; 2; 4; 4 |]
            let w = GradientPropertyTests.values 2 -1.f 1.f [| 2; 1; 3; 3 |]
            let tf = (Nn.convTranspose2d (2, 2) Nn.SameKeras x w None).ToArray()
            // TF's output is the full (2*4 + 1)-wide transposed output cropped from 0, PyTorch's from 1
            let full = (Nn.convTranspose2d (2, 2) (Nn.Torch((0, 0), (0, 0))) x w None).ToArray()   // 9x9
            for r in 0 .. 7 do
                for c in 0 .. 7 do
                    Expect.floatClose Accuracy.high (float tf.[r * 8 + c]) (float full.[r * 9 + c]) (sprintf "(%d,%d)" r c)

        testCase "gradients of the Keras same transposed convolution match finite differences" <| fun () ->
            let x = GradientPropertyTests.values 3 -1.f 1.f [| 1; 2; 3; 3 |]
            let w = GradientPropertyTests.values 4 -1.f 1.f [| 2; 3; 4; 4 |]
            GradientPropertyTests.check (fun xs -> Nn.convTranspose2d (2, 2) Nn.SameKeras xs.[0] xs.[1] None) [| x; w |]

        testCase "a decoder preset round-trips through ONNX and safetensors bit for bit" <| fun () ->
            let arch, input = Zoo.preset "decoder"
            let model = Model.build (Rng.create 9L) input arch
            let x = Tensor.ofArray [| 2; 64 |] (GradientPropertyTests.values 5 0.f 1.f [| 2; 64 |]).Data
            let back = Onnx.ofBytes "decoder.onnx" (Onnx.toBytes model)
            Expect.equal ((Model.predictRaw back x).ToArray()) ((Model.predictRaw model x).ToArray()) "ONNX round trip"
            let bytes = Safetensors.toBytes Map.empty model.Params
            use stream = new System.IO.MemoryStream(bytes)
            let fresh = Model.build (Rng.create 10L) input arch
            let loaded, _ = Safetensors.readInto "decoder.safetensors" stream fresh
            Expect.equal ((Model.predictRaw loaded x).ToArray()) ((Model.predictRaw model x).ToArray()) "safetensors round trip"
    ]
