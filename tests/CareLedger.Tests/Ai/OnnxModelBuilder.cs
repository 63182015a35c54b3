using System.Buffers.Binary;
using System.Text;

namespace CareLedger.Tests.Ai;

/// <summary>
/// (As in CareLedger.Analytics.Tests.) Writes an ONNX ModelProto by hand in the protobuf wire format: a logistic model y = Sigmoid(x · W + b) with input
/// x: float[N, k] and output y: float[N, 1]. Field numbers are those of onnx/onnx.proto3.
/// </summary>
internal static class OnnxModelBuilder
{
    private const int FloatType = 1; // TensorProto.DataType.FLOAT

    public static byte[] Logistic(float[] weights, float bias)
    {
        var model = new Proto();
        model.Int64(1, 8);                                        // ModelProto.ir_version
        model.String(2, "careledger-tests");                      // producer_name
        model.Message(7, Graph(weights, bias));                   // graph
        model.Message(8, new Proto().String(1, "").Int64(2, 13)); // opset_import { domain "", version 13 }
        return model.ToArray();
    }

    private static Proto Graph(float[] weights, float bias) => new Proto()
        .Message(1, Node("MatMul", ["x", "W"], "xw"))             // GraphProto.node
        .Message(1, Node("Add", ["xw", "b"], "logit"))
        .Message(1, Node("Sigmoid", ["logit"], "y"))
        .String(2, "logistic")                                    // name
        .Message(5, Tensor("W", [weights.Length, 1], weights))    // initializer
        .Message(5, Tensor("b", [1], [bias]))
        .Message(11, Value("x", weights.Length))                  // input
        .Message(12, Value("y", 1));                              // output

    private static Proto Node(string op, string[] inputs, string output)
    {
        var node = new Proto();
        foreach (var input in inputs)
            node.String(1, input);                                // NodeProto.input
        return node.String(2, output).String(3, op + "_node").String(4, op); // output, name, op_type
    }

    private static Proto Tensor(string name, long[] dims, float[] values)
    {
        var tensor = new Proto();
        foreach (var d in dims)
            tensor.Int64(1, d);                                   // TensorProto.dims
        var raw = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), values[i]);
        return tensor.Int64(2, FloatType).String(8, name).Bytes(9, raw); // data_type, name, raw_data (little-endian)
    }

    private static Proto Value(string name, long columns)
    {
        var shape = new Proto()
            .Message(1, new Proto().String(2, "N"))               // TensorShapeProto.dim { dim_param "N" }
            .Message(1, new Proto().Int64(1, columns));           // dim { dim_value }
        var tensorType = new Proto().Int64(1, FloatType).Message(2, shape); // TypeProto.Tensor { elem_type, shape }
        return new Proto().String(1, name).Message(2, new Proto().Message(1, tensorType)); // ValueInfoProto { name, type { tensor_type } }
    }

    private sealed class Proto
    {
        private readonly List<byte> _bytes = [];

        public Proto Int64(int field, long value)
        {
            Key(field, 0);
            Varint((ulong)value);
            return this;
        }

        public Proto String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public Proto Message(int field, Proto message) => Bytes(field, message.ToArray());

        public Proto Bytes(int field, byte[] value)
        {
            Key(field, 2);
            Varint((ulong)value.Length);
            _bytes.AddRange(value);
            return this;
        }

        public byte[] ToArray() => _bytes.ToArray();

        private void Key(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

        private void Varint(ulong value)
        {
            while (value >= 0x80)
            {
                _bytes.Add((byte)(value | 0x80));
                value >>= 7;
            }

            _bytes.Add((byte)value);
        }
    }
}
