//! Percent-decoding of URL path segments (names with any character reach the API intact).

/// `segment` with every `%XX` escape decoded; invalid escapes stay as they are.
pub(crate) fn decode_segment(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = (bytes[index] == b'%')
            .then(|| segment.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                decoded.push(byte);
                index += 3;
            }
            None => {
                decoded.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_decode_and_the_rest_stays() {
        assert_eq!(decode_segment("bad%2Fname"), "bad/name");
        assert_eq!(decode_segment("a%20b%C3%BC"), "a bü");
        assert_eq!(decode_segment("100%"), "100%");
        assert_eq!(decode_segment("%zz"), "%zz");
        assert_eq!(decode_segment("plain-name_1.0"), "plain-name_1.0");
    }
}
