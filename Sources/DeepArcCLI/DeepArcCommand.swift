public struct DeepArcCommand { public static func main() async {} }
