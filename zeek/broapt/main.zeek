##! Extracts files named PROTOCOL-FUID.PCAP.MEDIA.SUBTYPE.EXT (docs/naming.md)
##! into FileExtract::prefix, one folder per MIME type, and hashes them.

@load base/frameworks/files
@load base/files/extract
@load base/files/hash

module BroAPT;

export {
	## The PCAP's stem: the PCAP part of every file name.
	const pcap_name = "pcap" &redef;
	## Store files under <media>/<subtype>/ (the reference's layout).
	const mime_folders = T &redef;
	## MIME types to extract (BROAPT_LOAD_MIME's globs, compiled by broapt); everything by default.
	const load_mime: pattern = /.*/ &redef;
	## Protocols (a file's source, e.g. HTTP, SMTP, FTP_DATA) to extract (BROAPT_LOAD_PROTOCOL); empty: all.
	const load_protocol: set[string] = {} &redef;
	## Hashes to compute for every file (BROAPT_HASH_MD5/SHA1/SHA256).
	const hash_md5 = T &redef;
	const hash_sha1 = T &redef;
	const hash_sha256 = T &redef;
	## Certificates seen in TLS are extracted too (BROAPT_X509_MODE).
	const x509 = F &redef;
}

## The extension for a MIME type; "dat" for types the table does not know.
function extension_of(mime: string): string
	{
	return mime in mime_to_ext ? mime_to_ext[mime] : "dat";
	}

## Certificates come through the X509 file analysis with these types.
const certificate_types: set[string] = {
	"application/x-x509-user-cert",
	"application/x-x509-ca-cert",
	"application/pkix-cert",
};

event file_new(f: fa_file)
	{
	if ( hash_md5 )
		Files::add_analyzer(f, Files::ANALYZER_MD5);
	if ( hash_sha1 )
		Files::add_analyzer(f, Files::ANALYZER_SHA1);
	if ( hash_sha256 )
		Files::add_analyzer(f, Files::ANALYZER_SHA256);
	}

event file_sniff(f: fa_file, meta: fa_metadata)
	{
	if ( |load_protocol| > 0 && f$source !in load_protocol )
		return;

	local mime = meta?$mime_type ? meta$mime_type : "application/octet-stream";
	if ( ! x509 && mime in certificate_types )
		return;
	if ( ! (load_mime == mime) )
		return;

	local dotted = sub(mime, /\//, ".");
	local folder = "";
	if ( mime_folders )
		{
		# mkdir is not recursive: the media folder first, then its subtype.
		mkdir(FileExtract::prefix + split_string1(mime, /\//)[0]);
		mkdir(FileExtract::prefix + mime);
		folder = mime + "/";
		}

	local name = fmt("%s%s-%s.%s.%s.%s", folder, f$source, f$id, pcap_name, dotted, extension_of(mime));
	Files::add_analyzer(f, Files::ANALYZER_EXTRACT, [$extract_filename=name]);
	}
