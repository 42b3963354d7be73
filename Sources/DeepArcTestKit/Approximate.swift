/// Whether `a` and `b` agree within `atol + rtol · |b|` (NumPy's `isclose`); two NaNs agree.
public func isClose(_ a: Double, _ b: Double, rtol: Double = 1e-5, atol: Double = 1e-8) -> Bool {
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
    if a == b { return true }
    return abs(a - b) <= atol + rtol * abs(b)
}

/// Whether two arrays have the same length and agree element-wise by ``isClose(_:_:rtol:atol:)``.
public func isClose(_ a: [Double], _ b: [Double], rtol: Double = 1e-5, atol: Double = 1e-8) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { isClose($0, $1, rtol: rtol, atol: atol) }
}
