namespace FuncCnn.Core.Data

open FuncCnn

open FuncCnn.Core

/// The teaching letters of the from-scratch CNN notebook: tiny 6x6 images of "O" and "X".
module Letters =
    /// The two base images, 1 = ink. Each glyph is 4x4, centred with a blank one-pixel border,
    /// so it can move one pixel in every direction and stay inside the 6x6 frame.
    let patterns =
        [| "O",
           [| "......"
              "..##.."
              ".#..#."
              ".#..#."
              "..##.."
              "......" |]
           "X",
           [| "......"
              ".#..#."
              "..##.."
              "..##.."
              ".#..#."
              "......" |] |]
        |> Array.map (fun (name, rows) -> name, rows |> Array.map (fun r -> r |> Seq.map (fun c -> if c = '#' then 1uy else 0uy) |> Array.ofSeq))

    /// The shifts applied to each base image, as (name, rows down, columns right).
    let shifts = [| "centre", 0, 0; "up", -1, 0; "down", 1, 0; "left", 0, -1; "right", 0, 1 |]

    let private shifted (rows: byte[][]) (dy: int) (dx: int) =
        Array.init 36 (fun p ->
            let y, x = p / 6 - dy, p % 6 - dx
            if y >= 0 && y < 6 && x >= 0 && x < 6 then rows.[y].[x] else 0uy)

    /// The dataset: 10 images of shape (1,6,6), pixel values 0 or 255 (0.0 or 1.0 in a batch),
    /// classes ["O"; "X"]. Images 0-4 are O and 5-9 are X, each in the order of `shifts`:
    /// centred, then shifted up, down, left and right by one pixel.
    let dataset () : Dataset =
        let images =
            [| for label, (_, rows) in Array.indexed patterns do
                 for _, dy, dx in shifts do
                     yield label, shifted rows dy dx |]
        { Name = "letters"
          Pixels = Bytes(images |> Array.collect (fun (_, px) -> px |> Array.map (fun v -> v * 255uy)))
          ImageShape = [| 1; 6; 6 |]
          Labels = images |> Array.map fst
          ClassNames = patterns |> Array.map fst }
        |> Dataset.validate
