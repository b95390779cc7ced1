"""A brand (`_brand.yml`, the brand.yml format of Quarto and Shiny) → colours, fonts and logo for every writer.

The file is read with the `brand-yml` package (posit-dev/brand-yml), which knows the format:
palette names, semantic colour roles, typography defaults. Its errors are put in our words,
with the file's line. Logos and font files are read only from inside the brand file's folder,
by the safe fetcher's rules (no URL, no path out of the folder, no link out of it, regular files
of bounded size); a font that would have to be downloaded (`source: google`, `bunny`) is a
warning and falls back to the theme's. The result is a `Brand`: plain data, which travels to
workers with the rest of the build's configuration, so workers never read the brand file.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import files, yamlfile
from .errors import ContentError
from .model import MAX_CONTENT_BYTES

BRAND_FILE = "_brand.yml"
MAX_FILE_BYTES = 5_000_000  # a logo or a font file; anything larger is a mistake
LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
FONT_TYPES = {".ttf": "truetype", ".otf": "opentype", ".woff": "woff", ".woff2": "woff2"}
MIN_CONTRAST = 4.5  # WCAG 2 AA for body text
HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


@dataclass(frozen=True)
class Font:
    """A font file the brand ships: embedded in the fact sheet."""

    family: str
    filename: str  # as the brand file names it, inside its folder
    data: bytes
    weight: int | str = 400  # CSS font-weight: 400, 700, or a range '100 900'
    style: str = "normal"


@dataclass(frozen=True)
class Logo:
    filename: str  # as the brand file names it, inside its folder
    data: bytes
    media_type: str  # image/svg+xml, image/png, image/jpeg
    alt: str | None = None  # the brand's own alternative text; else the theme's words name it


@dataclass(frozen=True)
class Brand:
    """What a brand sets, resolved: colours as '#rrggbb', families by name, files as bytes.

    `colors` holds the semantic roles the brand gives (primary, secondary, foreground, background,
    …) with palette names resolved. Every field is optional: an unset one leaves the theme's.
    """

    source: str  # the brand file, as shown in messages
    name: str | None = None
    colors: dict[str, str] = field(default_factory=dict)
    base_family: str | None = None
    headings_family: str | None = None
    headings_color: str | None = None
    link_color: str | None = None
    fonts: tuple[Font, ...] = ()
    logo: Logo | None = None

    @property
    def primary(self) -> str | None:
        return self.colors.get("primary")

    @property
    def secondary(self) -> str | None:
        return self.colors.get("secondary")

    def digest(self) -> str:
        """A hash of everything that shapes the outputs: a change rebuilds every format."""
        hasher = hashlib.sha256()
        for item in (self.name, sorted(self.colors.items()), self.base_family, self.headings_family,
                     self.headings_color, self.link_color):
            hasher.update(repr(item).encode())
        for font in self.fonts:
            hasher.update(repr((font.family, font.filename, font.weight, font.style)).encode())
            hasher.update(hashlib.sha256(font.data).digest())
        if self.logo:
            hasher.update(repr((self.logo.filename, self.logo.media_type, self.logo.alt)).encode())
            hasher.update(hashlib.sha256(self.logo.data).digest())
        return hasher.hexdigest()


# Where the theme uses each colour for text: a pale one is a warning naming these.
TEXT_USES = {
    "primary": "section headings, key figures and the timeline's dates",
    "secondary": "the kicker and the at-a-glance labels",
    "foreground": "the text",
    "headings": "the title and the Word report's headings",
    "link": "links",
}
DOWNLOADED_SOURCES = {"google": "Google Fonts", "bunny": "Bunny Fonts"}


def find_brand(project_folder: Path) -> Path | None:
    """The project's _brand.yml, if its folder has one (as Quarto finds it beside _quarto.yml)."""
    candidate = project_folder / BRAND_FILE
    return candidate if candidate.exists() or candidate.is_symlink() else None


def load_brand(path: str | Path, warn=None, *, strict: bool = False) -> Brand:
    """Read and check a brand file; ContentError listing every problem (file:line:col: key.path: what).

    `warn` gets each warning line (a font that would be downloaded, a colour too pale for text);
    under `strict` they are errors.
    """
    path = Path(path)
    read = yamlfile.read(path, limit=MAX_CONTENT_BYTES, expected="a brand mapping (meta, logo, color, typography)")
    data, where = read.data, read.where
    if not isinstance(data, dict):
        raise ContentError([where((), "expected a brand mapping (meta, logo, color, typography)")])
    problems: list[str] = []
    for key_path, name in _named_files(data):
        _refuse_outside(path.parent, name, key_path, where, problems)
    if problems:  # before brand-yml, which would suggest file: URLs for them
        raise ContentError(problems)
    parsed = _validate(data, where)
    warnings: list[str] = []
    colors = _colors(parsed, data, where, problems)
    typography = parsed.typography
    fonts, downloaded = _fonts(typography, path.parent, where, problems, warnings)
    base = _family(getattr(typography, "base", None))
    headings_style = getattr(typography, "headings", None)
    headings = _family(headings_style)
    shipped = {font.family.casefold() for font in fonts}
    installed = installed_families()
    accounted = shipped | {name.casefold() for name in downloaded}  # downloaded ones have their warning
    for key_path, family in ((("typography", "base"), base), (("typography", "headings"), headings)):
        if family and installed is not None and family.casefold() not in accounted | installed:
            warnings.append(where(_existing(data, key_path), (
                f"font family {family!r} is not installed here and the brand ships no file for it: "
                "the theme's font is used instead (install it, or add its files with source: file)")))
    headings_color = _hex(getattr(headings_style, "color", None), ("typography", "headings", "color"), where, problems)
    link_color = _hex(getattr(getattr(typography, "link", None), "color", None), ("typography", "link", "color"),
                      where, problems)
    logo = _logo(parsed.logo, data.get("logo"), path.parent, where, problems)
    background = "#ffffff"  # the page every output is printed on: a brand's background is not applied
    uses = [("primary", ("color", "primary"), colors.get("primary")),
            ("secondary", ("color", "secondary"), colors.get("secondary")),
            ("foreground", ("color", "foreground"), colors.get("foreground")),
            ("headings", ("typography", "headings", "color"), headings_color),
            ("link", ("typography", "link", "color"), link_color)]
    for role, key_path, color in uses:
        if color and contrast(color, background) < MIN_CONTRAST:
            warnings.append(where(_existing(data, key_path), (
                f"{color} has a contrast of {contrast(color, background):.1f}:1 on {background} (WCAG asks at "
                f"least {MIN_CONTRAST}:1 for text); it is used for {TEXT_USES[role]}")))
    if strict:
        problems.extend(warning + " (an error under --strict)" for warning in warnings)
    elif warn:
        for line in warnings:
            warn(line)
    if problems:
        raise ContentError(problems)
    meta = parsed.meta
    name = None
    if meta is not None and meta.name is not None:
        name = meta.name if isinstance(meta.name, str) else (meta.name.full or meta.name.short)
    return Brand(source=str(path), name=name, colors=colors,
                 base_family=base,
                 headings_family=headings, headings_color=headings_color, link_color=link_color,
                 fonts=tuple(fonts), logo=logo)


def installed_families() -> set[str] | None:
    """The font families fontconfig knows, case-folded; None if it cannot be asked (no fc-list)."""
    import shutil
    import subprocess

    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        listed = subprocess.run([fc_list, ":", "family"], capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return {name.strip().casefold() for line in listed.stdout.splitlines() for name in line.split(",") if name.strip()}


def _validate(data: dict, where):
    """The brand.yml model of the data (brand-yml checks the format); its errors in our words."""
    try:
        from brand_yml import Brand as BrandYml
        from pydantic import ValidationError
    except ImportError as exc:  # a broken install: brand-yml is a dependency
        raise ContentError([where((), f"cannot read brand files: {exc}")]) from None
    try:
        return BrandYml.model_validate(data)
    except ValidationError as exc:
        found: dict[tuple, str] = {}  # one message per key: a union's branches each add one, the last is closest
        for error in exc.errors():
            key_path = _existing(data, error.get("loc", ()))
            message = error.get("msg", "invalid").removeprefix("Value error, ")
            shown = error.get("input")
            if isinstance(shown, (str, int, float, bool)):
                message += f", got {shown!r}"
            found[key_path] = where(key_path, message)
        raise ContentError(list(found.values())) from None
    except ValueError as exc:  # brand-yml's own checks (an unknown palette name, …)
        raise ContentError([where((), str(exc).splitlines()[0])]) from None


def _existing(data, loc) -> tuple:
    """The longest prefix of pydantic's error location that names keys of the data (pydantic adds
    the names of union branches and validators to it)."""
    path: list = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
            path.append(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            path.append(part)
    return tuple(path)


def _hex(value, key_path: tuple, where, problems: list[str]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not HEX.match(value.strip()):
        problems.append(where(key_path, f"expected a colour as #rrggbb (or a palette name that is one), got {value!r}"))
        return None
    return normal_hex(value.strip())


def _colors(parsed, data: dict, where, problems: list[str]) -> dict[str, str]:
    color = parsed.color
    if color is None:
        return {}
    found = {}
    for role in ("foreground", "background", "primary", "secondary", "tertiary", "success", "info", "warning",
                 "danger", "light", "dark"):
        value = getattr(color, role, None)
        if value is not None:
            checked = _hex(value, _existing(data, ("color", role)), where, problems)
            if checked:
                found[role] = checked
    return found


def _css_weight(weight) -> int | str:
    """brand-yml's weight of a font file as CSS has it: 700 for 'bold', 400 for 'normal' and 'auto'
    (brand-yml turns 'thin', 'semi-bold'… into numbers itself), '100 900' for a variable font's range."""
    if isinstance(weight, tuple) and len(weight) == 2:
        return f"{int(weight[0])} {int(weight[1])}"
    if isinstance(weight, int) and not isinstance(weight, bool):
        return weight
    return {"bold": 700}.get(str(weight), 400)


def _family(style) -> str | None:
    if style is None:
        return None
    if isinstance(style, str):
        return style
    return getattr(style, "family", None)


def _fonts(typography, folder: Path, where, problems: list[str], warnings: list[str]):
    """The font files the brand ships (source: file), read from its folder; and the families that
    would have to be downloaded (a warning each: builds do not touch the network)."""
    fonts: list[Font] = []
    downloaded: set[str] = set()
    for index, font in enumerate(getattr(typography, "fonts", None) or ()):
        source = getattr(font, "source", "system")
        family = font.family
        if source in DOWNLOADED_SOURCES:
            downloaded.add(family)
            warnings.append(where(("typography", "fonts", index), (
                f"{family!r} would be downloaded from {DOWNLOADED_SOURCES[source]}, and builds do not touch the "
                f"network: the theme's font is used instead, unless {family!r} is installed on this machine "
                f"(or ship its files with source: file)")))
        elif source == "file":
            for number, item in enumerate(font.files or ()):
                location = item.path
                text = str(getattr(location, "root", location))
                key_path = ("typography", "fonts", index, "files", number, "path")
                suffix = Path(text).suffix.lower()
                if suffix not in FONT_TYPES:
                    problems.append(where(key_path, f"expected a font file ({', '.join(FONT_TYPES)}), got {text!r}"))
                    continue
                data = read_inside(folder, text, key_path, where, problems)
                not_a_font = _not_a_font(data) if data is not None else None
                if not_a_font:
                    warnings.append(where(key_path, f"{text!r} is not a font file ({not_a_font}): it is not used, "
                                                    "and the theme's font is used instead"))
                elif data is not None:
                    weight = _css_weight(getattr(getattr(item, "weight", None), "root", 400))
                    fonts.append(Font(family, text, data, weight, getattr(item, "style", "normal") or "normal"))
    return fonts, downloaded


def _not_a_font(data: bytes) -> str | None:
    """Why `data` is no font fontTools can open (a TrueType, OpenType, WOFF or WOFF2 file), or None."""
    import io

    from fontTools.ttLib import TTFont, TTLibError

    try:
        font = TTFont(io.BytesIO(data), lazy=True)
        try:
            if "cmap" not in font or "name" not in font:
                return "it has no character map or no names"
        finally:
            font.close()
    except (TTLibError, OSError, ValueError, KeyError, AssertionError, IndexError, Exception) as exc:
        return f"{type(exc).__name__}: {str(exc)[:100]}" if str(exc) else type(exc).__name__
    return None


def _logo(logo, raw, folder: Path, where, problems: list[str]) -> Logo | None:
    """The logo the fact sheet and the Word report show: medium, else large, else small, else the first
    image; the light variant of a light/dark pair."""
    if logo is None:
        return None
    if isinstance(logo, str) or hasattr(logo, "root") or hasattr(logo, "path"):  # `logo: file.svg`
        resource, key_path = logo, ("logo",)
    else:
        resource, key_path = None, ("logo",)
        for size in ("medium", "large", "small"):
            if getattr(logo, size, None) is not None:
                resource, key_path = getattr(logo, size), ("logo", size)
                break
        if resource is None and getattr(logo, "images", None):
            name = next(iter(logo.images))
            resource, key_path = logo.images[name], ("logo", "images", name)
    if resource is None:
        return None
    if getattr(resource, "light", None) is not None:
        resource, key_path = resource.light, key_path + ("light",)
    alt = getattr(resource, "alt", None)
    location = getattr(resource, "path", resource)
    text = str(getattr(location, "root", location))
    if isinstance(raw, dict):  # point messages at the path itself where the file has one
        node = raw
        for part in key_path[1:]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and "path" in node:
            key_path += ("path",)
        elif isinstance(node, str) and isinstance(raw.get("images"), dict) and node in raw["images"]:
            key_path = ("logo", "images", node)  # a size naming an image: the image's path
    suffix = Path(text).suffix.lower()
    if suffix not in LOGO_TYPES:
        problems.append(where(key_path, f"expected a logo file ({', '.join(LOGO_TYPES)}), got {text!r}"))
        return None
    data = read_inside(folder, text, key_path, where, problems)
    if data is None:
        return None
    checked = _checked_logo(data, LOGO_TYPES[suffix])
    if isinstance(checked, str):
        problems.append(where(key_path, f"{text!r} cannot be used as a logo: {checked}"))
        return None
    return Logo(text, checked, LOGO_TYPES[suffix], alt)


MAX_LOGO_PIXELS = 25_000_000  # a raster logo's width × height as decoded (a 5,000 × 5,000 picture)
LOGO_HEIGHT_PIXELS = 400  # a raster logo is scaled down to this: the pages show it 1 cm high, 300 dpi and more
MAX_SVG_DEPTH = 64  # elements inside each other in an SVG logo
MAX_SVG_ELEMENTS = 20_000
# What an SVG logo may refer to: its own elements, and pictures carried inside it, not another SVG (which
# would be drawn without these checks).
_INSIDE = ("#", "data:image/png", "data:image/jpeg")


def _checked_logo(data: bytes, media_type: str) -> bytes | str:
    """The logo's bytes as every output will show them, or why it cannot be used. An SVG is parsed as plain
    XML (no DTD, no entities, nothing fetched) and must refer to nothing outside itself, within bounded
    depth and size (formats/pdf/pictures.py then draws it, and a drawing that shows nothing is refused);
    a PNG or JPEG is decoded (so a damaged or mislabelled file is caught) and scaled down to what a page
    needs."""
    if media_type == "image/svg+xml":
        return _checked_svg(data)
    import io

    from PIL import Image

    expected = {"image/png": "PNG", "image/jpeg": "JPEG"}[media_type]
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != expected:
                return f"it is not a {expected} picture (it is {image.format or 'not a picture'})"
            width, height = image.size
            if width * height > MAX_LOGO_PIXELS:
                return (f"it is {width:,} × {height:,} pixels; a logo has at most {MAX_LOGO_PIXELS:,} "
                        f"({MAX_LOGO_PIXELS // 1_000_000} megapixels)")
            image.load()
            if height <= LOGO_HEIGHT_PIXELS:
                return data
            scaled = image.resize((max(1, round(width * LOGO_HEIGHT_PIXELS / height)), LOGO_HEIGHT_PIXELS),
                                  Image.LANCZOS)
            dpi = image.info.get("dpi")
            out = io.BytesIO()
            scaled.save(out, format=expected, **({"dpi": dpi} if dpi else {}))
            return out.getvalue()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        return f"it cannot be decoded as a {expected} picture ({exc})"


def _checked_svg(data: bytes) -> bytes | str:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        return f"it is not well-formed SVG ({getattr(exc, 'msg', None) or exc})"
    tree = root.getroottree()
    if tree.docinfo.internalDTD is not None or tree.docinfo.system_url or b"<!ENTITY" in data:
        return "it declares a DOCTYPE or entities, which a logo never needs (and which could read other files)"
    if etree.QName(root).localname != "svg":
        return f"its root is <{etree.QName(root).localname}>, not <svg>"
    count = 0
    for element in root.iter():
        count += 1
        if count > MAX_SVG_ELEMENTS:
            return f"it has more than {MAX_SVG_ELEMENTS:,} elements"
        if not isinstance(element.tag, str):
            continue
        name = etree.QName(element).localname
        if name in ("script", "foreignObject"):
            return f"it holds <{name}>, which a logo never needs"
        for attribute, value in element.attrib.items():
            local = etree.QName(attribute).localname
            if local == "href" and not value.strip().startswith(_INSIDE):
                return f"it refers to {value[:80]!r}: a logo may refer to nothing outside itself"
            if "url(" in value and not all(part.lstrip(" '\"").startswith(_INSIDE)
                                           for part in value.split("url(")[1:]):
                return f"it refers to a resource outside itself ({value[:80]!r})"
        if len(list(element.iterancestors())) >= MAX_SVG_DEPTH:
            return f"its elements are nested more than {MAX_SVG_DEPTH} deep"
    return data


def named_files(path: Path) -> list[Path]:
    """The files a brand file names (logos, fonts) inside its folder, for `dossier watch`; none if unreadable."""
    try:
        data = yamlfile.read(path, limit=MAX_CONTENT_BYTES).data
    except ContentError:
        return []
    if not isinstance(data, dict):
        return []
    found = []
    for key_path, name in _named_files(data):
        if not _refuse_outside(path.parent, name, key_path, lambda *args: "", []):
            found.append((path.parent / name).resolve())
    return found


def _named_files(data: dict):
    """Yield (key path, name) for every file the brand names: logos and font files."""
    def resource(value, key_path):
        if isinstance(value, str):
            yield key_path, value
        elif isinstance(value, dict):
            if isinstance(value.get("path"), str):
                yield key_path + ("path",), value["path"]
            for variant in ("light", "dark"):
                if variant in value:
                    yield from resource(value[variant], key_path + (variant,))

    logo = data.get("logo")
    if isinstance(logo, str) or (isinstance(logo, dict) and "path" in logo):  # one logo: `logo: file.svg`
        yield from resource(logo, ("logo",))
    elif isinstance(logo, dict):
        images = logo.get("images") if isinstance(logo.get("images"), dict) else {}
        for name, value in images.items():
            yield from resource(value, ("logo", "images", name))
        for size in ("small", "medium", "large"):
            value = logo.get(size)
            if not (isinstance(value, str) and value in images):  # a size may name one of the images
                yield from resource(value, ("logo", size))
    typography = data.get("typography")
    fonts = typography.get("fonts") if isinstance(typography, dict) else None
    for index, font in enumerate(fonts if isinstance(fonts, list) else ()):
        files = font.get("files") if isinstance(font, dict) else None
        for number, item in enumerate(files if isinstance(files, list) else ()):
            yield from resource(item, ("typography", "fonts", index, "files", number))


def _refuse_outside(folder: Path, name: str, key_path: tuple, where, problems: list[str]) -> bool:
    """Record a problem and return True if `name` is a URL or a path out of the brand's folder."""
    if "://" in name or name.startswith(("data:", "file:", "//")):
        problems.append(where(key_path, f"expected a file inside {folder or '.'}, got the URL {name!r}: "
                                        "builds do not touch the network"))
        return True
    named = os.path.expanduser(name)
    if os.path.isabs(named) or not files.lies_inside(folder / named, folder):
        problems.append(_outside(folder, name, key_path, where))
        return True
    return False


def _outside(folder: Path, name: str, key_path: tuple, where) -> str:
    return where(key_path, f"{name!r} is outside the brand file's folder {os.path.realpath(folder)}; "
                           "a brand reads files from its own folder only")


def read_inside(folder: Path, name: str, key_path: tuple, where, problems: list[str]) -> bytes | None:
    """A file the brand names, through the door (files.py): a relative path to a regular file inside the
    brand file's folder (no URL, no '..' or link out of it), of at most MAX_FILE_BYTES."""
    if _refuse_outside(folder, name, key_path, where, problems):
        return None
    try:
        return files.read(folder / name, limit=MAX_FILE_BYTES, inside=folder)
    except files.Refused as refused:
        if refused.reason == files.OUTSIDE:
            problems.append(_outside(folder, name, key_path, where))
        elif refused.reason == files.NOT_REGULAR:
            problems.append(where(key_path, f"{name!r} is {refused.kind}, not a regular file"))
        elif refused.reason in (files.TOO_BIG, files.GREW):
            size = f"{refused.size:,} bytes" if refused.size else f"more than {MAX_FILE_BYTES:,} bytes"
            problems.append(where(key_path, f"{name!r} is {size}; the limit is {MAX_FILE_BYTES:,}"))
        else:
            problems.append(where(key_path, f"cannot read {name!r}: {refused.strerror}"))
        return None


def logo_data_url(logo: Logo) -> str:
    """The logo as a data: URL, the one kind of URL the fact sheet's fetcher admits besides theme files."""
    import base64

    return f"data:{logo.media_type};base64," + base64.b64encode(logo.data).decode("ascii")


def css_string(text: str) -> str:
    """Text as a CSS string: quotes and backslashes escaped, line breaks as escapes (content is data)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = re.sub(r"[\x00-\x1f\x7f]", lambda match: f"\\{ord(match.group()):x} ", escaped)
    return f'"{escaped}"'


def stylesheet(brand: Brand) -> str:
    """The fact sheet's CSS for a brand, applied after the theme's: its fonts (embedded, as data: URLs),
    colours and families as the theme's custom properties (see factsheet.css)."""
    import base64

    rules = []
    for font in brand.fonts:
        kind = FONT_TYPES[Path(font.filename).suffix.lower()]
        url = f"data:font/{kind};base64," + base64.b64encode(font.data).decode("ascii")
        rules.append(f"@font-face {{ font-family: {css_string(font.family)}; "
                     f"src: url({url}) format({css_string(kind)}); "
                     f"font-weight: {font.weight}; font-style: {font.style}; }}")
    properties = {}
    for role in ("primary", "secondary", "foreground"):
        if role in brand.colors:
            properties[role] = brand.colors[role]
    if "secondary" not in properties and "primary" in properties:
        properties["secondary"] = properties["primary"]
    heading = brand.headings_color or brand.colors.get("foreground")
    if heading:
        properties["heading"] = heading
    if brand.base_family:
        properties["base"] = css_string(brand.base_family)
    if brand.headings_family:
        properties["headings"] = css_string(brand.headings_family)
    if properties:
        rules.append(":root { " + " ".join(f"--{name}: {value};" for name, value in properties.items()) + " }")
    if brand.link_color:
        rules.append(f"a {{ color: {brand.link_color}; }}")
    return "\n".join(rules) + ("\n" if rules else "")


def contrast(color: str, background: str = "#ffffff") -> float:
    """The WCAG 2 contrast ratio of two sRGB colours (1 to 21)."""
    def luminance(value: str) -> float:
        value = value.lstrip("#")
        if len(value) == 3:
            value = "".join(c * 2 for c in value)
        channels = [int(value[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(color), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def normal_hex(color: str) -> str:
    """'#AbC' → '#aabbcc'."""
    value = color.lstrip("#").lower()
    return "#" + ("".join(c * 2 for c in value) if len(value) == 3 else value)


__all__ = ["BRAND_FILE", "Brand", "Font", "Logo", "contrast", "find_brand", "load_brand", "logo_data_url",
           "normal_hex", "stylesheet"]
