"""The component library: every shipped constant has provenance; user files override it and
bad files get one clear error."""

import pytest

from fdagen.model.components import LibraryError, load_library


def test_shipped_constants_carry_provenance():
    library = load_library()
    assert len(library.components) >= 10
    for component in library.components.values():
        assert component.source.strip() and component.unit in ("pJ", "um2")
        assert component.node_nm > 0 and component.value >= 0
    adc = library["adc_8b_conversion"]
    assert adc.value == 1.67 and adc.node_nm == 32 and "ISAAC" in adc.source
    assert library["int_mult_32"].provenance()["source"].startswith("Horowitz")


def test_node_scaling_rule():
    library = load_library()
    assert library.energy("int_mult_8", 45) == pytest.approx(0.2)
    assert library.energy("int_mult_8", 22.5) == pytest.approx(0.1)       # linear
    assert library.area("area_int_mult_8", 22.5) == pytest.approx(282 / 4)  # quadratic
    with pytest.raises(LibraryError, match="must be in pJ, not um2"):
        library.energy("area_int_mult_8", 45)


def test_user_file_overrides_and_adds(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('[int_mult_8]\nvalue = 0.15\nunit = "pJ"\nnode_nm = 28\n'
                    'source = "my silicon, 2026"\n'
                    '[my_sram]\nvalue = 3.0\nunit = "pJ"\nnode_nm = 28\nsource = "CACTI run"\n')
    library = load_library(path)
    assert library["int_mult_8"].value == 0.15 and library["int_mult_8"].origin == str(path)
    assert library["my_sram"].source == "CACTI run"
    assert library["int_mult_32"].value == 3.1        # untouched entries stay


@pytest.mark.parametrize("text, message", [
    ('[x]\nvalue = 1.0\nunit = "pJ"\nnode_nm = 45\n', "must give source"),
    ('[x]\nvalue = 1.0\nunit = "pJ"\nsource = "s"\n', "must give node_nm"),
    ('[x]\nvalue = -1.0\nunit = "pJ"\nnode_nm = 45\nsource = "s"\n',
     "value must be a finite number >= 0, not -1.0"),
    ('[x]\nvalue = 1.0\nunit = "nJ"\nnode_nm = 45\nsource = "s"\n',
     "unit must be one of pJ, um2, not 'nJ'"),
    ('[x]\nvalue = 1.0\nunit = "pJ"\nnode_nm = 45\nsource = "s"\ncolour = 1\n',
     "key 'colour' must be one of value, unit, node_nm, source, note"),
    ('[x]\nvalue = 1.0\nunit = "pJ"\nnode_nm = 0\nsource = "s"\n',
     "node_nm must be a number between 1 and 1000, not 0"),
    ('[x]\nvalue = 1.0\nunit = "pJ"\nnode_nm = 45\nsource = " "\n',
     "source must be a non-empty string"),
    ("x = 3\n", "must be a table with value, unit, node_nm and source, not int"),
    ("[x\n", "must be valid TOML"),
])
def test_bad_user_files_name_the_problem(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(LibraryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_library(path)


def test_missing_file_and_unknown_component(tmp_path):
    with pytest.raises(LibraryError, match="does not exist"):
        load_library(tmp_path / "nope.toml")
    with pytest.raises(LibraryError, match="component 'flux' must be in the library"):
        load_library()["flux"]
