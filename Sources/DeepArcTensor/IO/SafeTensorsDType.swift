/// An element type of a safetensors file, spelt as in the file's header (`"F32"`, `"BF16"`, …).
///
/// ``SafeTensorsArchive`` reads every type listed here and converts it to `Float`; it writes
/// ``f32`` only. Conversions that can lose information:
/// - ``f64``: rounded to the nearest `Float`; magnitudes beyond `Float.greatestFiniteMagnitude`
///   become ±infinity and tiny ones flush towards zero.
/// - ``i64``, ``u64``, ``i32``, ``u32``: integers of magnitude above 2²⁴ = 16 777 216 are rounded
///   to the nearest `Float` (so 16 777 217 reads as 16 777 216).
/// - ``bool``: a zero byte reads as 0, any other byte as 1.
///
/// ``f16``, ``bf16``, ``i16``, ``u16``, ``i8`` and ``u8`` convert exactly. The 8-bit and 4-bit float
/// types of newer safetensors versions are not supported and are reported as unknown.
public enum SafeTensorsDType: String, Sendable, CaseIterable, CustomStringConvertible {
    /// IEEE 754 double precision.
    case f64 = "F64"
    /// IEEE 754 single precision (the type DeepArc writes).
    case f32 = "F32"
    /// IEEE 754 half precision.
    case f16 = "F16"
    /// bfloat16: the upper 16 bits of an IEEE 754 single.
    case bf16 = "BF16"
    /// Signed 64-bit integer.
    case i64 = "I64"
    /// Signed 32-bit integer.
    case i32 = "I32"
    /// Signed 16-bit integer.
    case i16 = "I16"
    /// Signed 8-bit integer.
    case i8 = "I8"
    /// Unsigned 64-bit integer.
    case u64 = "U64"
    /// Unsigned 32-bit integer.
    case u32 = "U32"
    /// Unsigned 16-bit integer.
    case u16 = "U16"
    /// Unsigned 8-bit integer.
    case u8 = "U8"
    /// Boolean stored as one byte.
    case bool = "BOOL"

    /// The size of one element in bytes.
    public var byteSize: Int {
        switch self {
        case .f64, .i64, .u64: return 8
        case .f32, .i32, .u32: return 4
        case .f16, .bf16, .i16, .u16: return 2
        case .i8, .u8, .bool: return 1
        }
    }

    /// The header spelling, e.g. `F32`.
    public var description: String { rawValue }

    // MARK: - Conversion to Float

    /// Converts `count` little-endian elements of this type starting at `source` into `target`.
    ///
    /// `source` need not be aligned. The caller guarantees `count · byteSize` readable bytes and
    /// `count` writable floats.
    func convert(_ source: UnsafeRawPointer, count: Int, into target: UnsafeMutablePointer<Float>) {
        switch self {
        case .f32:
            for index in 0..<count {
                let bits = UInt32(littleEndian: source.loadUnaligned(fromByteOffset: index &* 4, as: UInt32.self))
                target[index] = Float(bitPattern: bits)
            }
        case .f64:
            for index in 0..<count {
                let bits = UInt64(littleEndian: source.loadUnaligned(fromByteOffset: index &* 8, as: UInt64.self))
                target[index] = Float(Double(bitPattern: bits))
            }
        case .f16:
            for index in 0..<count {
                let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: index &* 2, as: UInt16.self))
                target[index] = SafeTensorsDType.floatFromHalf(bits)
            }
        case .bf16:
            for index in 0..<count {
                let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: index &* 2, as: UInt16.self))
                target[index] = Float(bitPattern: UInt32(bits) << 16)
            }
        case .i64:
            for index in 0..<count {
                target[index] = Float(
                    Int64(littleEndian: source.loadUnaligned(fromByteOffset: index &* 8, as: Int64.self)))
            }
        case .u64:
            for index in 0..<count {
                target[index] = Float(
                    UInt64(littleEndian: source.loadUnaligned(fromByteOffset: index &* 8, as: UInt64.self)))
            }
        case .i32:
            for index in 0..<count {
                target[index] = Float(
                    Int32(littleEndian: source.loadUnaligned(fromByteOffset: index &* 4, as: Int32.self)))
            }
        case .u32:
            for index in 0..<count {
                target[index] = Float(
                    UInt32(littleEndian: source.loadUnaligned(fromByteOffset: index &* 4, as: UInt32.self)))
            }
        case .i16:
            for index in 0..<count {
                target[index] = Float(
                    Int16(littleEndian: source.loadUnaligned(fromByteOffset: index &* 2, as: Int16.self)))
            }
        case .u16:
            for index in 0..<count {
                target[index] = Float(
                    UInt16(littleEndian: source.loadUnaligned(fromByteOffset: index &* 2, as: UInt16.self)))
            }
        case .i8:
            for index in 0..<count { target[index] = Float(source.load(fromByteOffset: index, as: Int8.self)) }
        case .u8:
            for index in 0..<count { target[index] = Float(source.load(fromByteOffset: index, as: UInt8.self)) }
        case .bool:
            for index in 0..<count { target[index] = source.load(fromByteOffset: index, as: UInt8.self) == 0 ? 0 : 1 }
        }
    }

    /// The `Float` with the value of an IEEE 754 half-precision bit pattern (exact, including
    /// subnormals, infinities and NaN payloads).
    static func floatFromHalf(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa · 2⁻²⁴, exactly representable in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return Float(bitPattern: sign | magnitude.bitPattern)
        case 0x1F:
            // Infinity or NaN: keep the payload in the top mantissa bits.
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            // Rebias the exponent from 15 to 127.
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
    }
}
