"""Names of the agencies, boards, organizations and cells the demo tree is built from.

Province-level names follow the 2025 model: advisory boards of the provincial committee, the
committees of the Party agencies and of the provincial government, the Fatherland Front with the
mass organizations under it, and the departments (sở) after the 2025 merger of departments.
"""

# (code suffix, name template) of the provincial committee's advisory boards. {c}: "Tỉnh ủy".
ADVISORY_BOARDS = [
    ("BTC", "Ban Tổ chức {c}"),
    ("VP", "Văn phòng {c}"),
    ("UBKT", "Ủy ban Kiểm tra {c}"),
    ("BTGDV", "Ban Tuyên giáo và Dân vận {c}"),
]
SMALL_BOARDS = ("BTC", "VP")

# Fatherland Front and the mass organizations under it. {l}: "tỉnh Thanh Hóa", {b}: "Thanh Hóa".
MASS_ORGS = [
    ("MTTQ", "Ủy ban MTTQ Việt Nam {l}"),
    ("HLHPN", "Hội Liên hiệp Phụ nữ {l}"),
    ("DTN", "{youth} {b}"),
    ("HND", "Hội Nông dân {l}"),
    ("HCCB", "Hội Cựu chiến binh {l}"),
    ("LDLD", "Liên đoàn Lao động {l}"),
]

# Departments of the provincial government, 2025 set. A True flag: big enough for a grassroots
# committee with subordinate cells (the others have one grassroots cell).
DEPARTMENTS = [
    ("STC", "Sở Tài chính", True),
    ("SNV", "Sở Nội vụ", False),
    ("STP", "Sở Tư pháp", False),
    ("SXD", "Sở Xây dựng", True),
    ("SNNMT", "Sở Nông nghiệp và Môi trường", True),
    ("SCT", "Sở Công Thương", False),
    ("SGDDT", "Sở Giáo dục và Đào tạo", True),
    ("SYT", "Sở Y tế", True),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", False),
    ("SKHCN", "Sở Khoa học và Công nghệ", False),
    ("SDTTG", "Sở Dân tộc và Tôn giáo", False),
    ("TTR", "Thanh tra {s}", False),
    ("VPUB", "Văn phòng Ủy ban nhân dân {s}", False),
]
SMALL_DEPARTMENTS = ("STC",)

DEPARTMENT_CELLS = [
    "Chi bộ Văn phòng Sở",
    "Chi bộ Phòng Kế hoạch - Tài chính",
    "Chi bộ Phòng Tổ chức cán bộ",
    "Chi bộ Thanh tra Sở",
    "Chi bộ Phòng Quản lý chuyên ngành",
    "Chi bộ Trung tâm Dịch vụ công",
]
HOSPITAL_CELLS = [
    "Chi bộ Khoa Nội",
    "Chi bộ Khoa Ngoại",
    "Chi bộ Khoa Sản",
    "Chi bộ Khoa Nhi",
    "Chi bộ Khoa Hồi sức tích cực - Chống độc",
    "Chi bộ Khoa Cấp cứu",
    "Chi bộ Khoa Xét nghiệm",
    "Chi bộ Phòng Điều dưỡng",
    "Chi bộ Phòng Kế hoạch tổng hợp",
]
NEWSROOM_CELLS = [
    "Chi bộ Phòng Thời sự",
    "Chi bộ Phòng Biên tập",
    "Chi bộ Phòng Kỹ thuật - Công nghệ",
    "Chi bộ Phòng Hành chính - Tổng hợp",
    "Chi bộ Phòng Chuyên đề",
]
MILITARY_HQ_CELLS = [
    "Chi bộ Phòng Tham mưu",
    "Chi bộ Phòng Chính trị",
    "Chi bộ Phòng Hậu cần - Kỹ thuật",
]
MILITARY_UNIT_CELLS = ["Chi bộ Cơ quan", "Chi bộ Đại đội 1", "Chi bộ Đại đội 2", "Chi bộ Đại đội 3"]
POLICE_DIVISIONS = [
    "Phòng Tham mưu",
    "Phòng Tổ chức cán bộ",
    "Phòng An ninh chính trị nội bộ",
    "Phòng An ninh kinh tế",
    "Phòng Cảnh sát hình sự",
    "Phòng Cảnh sát giao thông",
    "Phòng Cảnh sát điều tra tội phạm về ma túy",
    "Phòng Cảnh sát quản lý hành chính về trật tự xã hội",
    "Phòng Cảnh sát phòng cháy, chữa cháy và cứu nạn, cứu hộ",
    "Phòng Hậu cần",
    "Trại tạm giam",
]
POLICE_TEAM_CELLS = ["Chi bộ Đội 1", "Chi bộ Đội 2", "Chi bộ Đội 3", "Chi bộ Đội Tổng hợp"]

COMMUNE_POLICE_CELLS = ["Chi bộ Tổ An ninh", "Chi bộ Tổ Trật tự", "Chi bộ Tổ Tổng hợp"]
HIGH_SCHOOL_CELLS = [
    "Chi bộ Tổ Toán - Tin",
    "Chi bộ Tổ Ngữ văn",
    "Chi bộ Tổ Khoa học Tự nhiên",
    "Chi bộ Tổ Khoa học Xã hội",
    "Chi bộ Tổ Ngoại ngữ - Thể dục",
    "Chi bộ Văn phòng",
]
# Upper secondary schools are often named after historical figures.
HIGH_SCHOOL_NAMES = (
    "Lê Lợi, Lê Hoàn, Đào Duy Từ, Nguyễn Trãi, Lê Văn Hưu, Lương Đắc Bằng, Triệu Thị Trinh, "
    "Lam Kinh, Nguyễn Du, Trần Phú, Phan Đình Phùng, Lê Hồng Phong, Quang Trung, Chu Văn An, "
    "Lý Thường Kiệt, Trần Hưng Đạo, Nguyễn Thị Minh Khai, Hoàng Hoa Thám, Tô Hiến Thành, "
    "Lê Quý Đôn, Nguyễn Bỉnh Khiêm, Mai Hắc Đế, Hàm Nghi, Nguyễn Xuân Nguyên, Đặng Thai Mai"
).split(", ")

# Residential cells: "thôn Đông Thành", "khu phố Tân Lộc" are built from these two halves.
PLACE_FIRST = (
    "Đông Tây Nam Bắc Trung Thượng Hạ Tân Phú Yên An Hòa Thịnh Vĩnh Xuân Đồng Kim Ngọc Thanh Hưng"
).split()
PLACE_SECOND = (
    "Thành Sơn Lộc Phúc Thọ Hòa Bình Lợi Mỹ Lạc Thịnh Xá Hải Giang Tiến Phong Quang Vinh Lâm Hưng"
).split()

# Central level (national scale only): the committees directly under the Central Committee
# since 2025 and a sample of the organizations under each.
CENTRAL_COMMITTEES = [
    (
        "CQD",
        "Đảng bộ các cơ quan Đảng Trung ương",
        "agency",
        [
            "Văn phòng Trung ương Đảng",
            "Ban Tổ chức Trung ương",
            "Ủy ban Kiểm tra Trung ương",
            "Ban Tuyên giáo và Dân vận Trung ương",
            "Ban Chính sách, chiến lược Trung ương",
            "Ban Nội chính Trung ương",
            "Báo Nhân Dân",
            "Tạp chí Cộng sản",
            "Học viện Chính trị quốc gia Hồ Chí Minh",
            "Nhà xuất bản Chính trị quốc gia Sự thật",
        ],
    ),
    (
        "CP",
        "Đảng bộ Chính phủ",
        "agency",
        [
            "Văn phòng Chính phủ",
            "Bộ Ngoại giao",
            "Bộ Nội vụ",
            "Bộ Tư pháp",
            "Bộ Tài chính",
            "Bộ Công Thương",
            "Bộ Nông nghiệp và Môi trường",
            "Bộ Xây dựng",
            "Bộ Văn hóa, Thể thao và Du lịch",
            "Bộ Khoa học và Công nghệ",
            "Bộ Giáo dục và Đào tạo",
            "Bộ Y tế",
            "Bộ Dân tộc và Tôn giáo",
            "Ngân hàng Nhà nước Việt Nam",
            "Thanh tra Chính phủ",
            "Đài Truyền hình Việt Nam",
            "Đài Tiếng nói Việt Nam",
            "Thông tấn xã Việt Nam",
        ],
    ),
    (
        "QH",
        "Đảng bộ Quốc hội",
        "agency",
        ["Văn phòng Quốc hội", "Kiểm toán Nhà nước", "Ban Công tác đại biểu"],
    ),
    (
        "MTTQ",
        "Đảng bộ MTTQ và các đoàn thể Trung ương",
        "agency",
        [
            "Cơ quan Ủy ban Trung ương MTTQ Việt Nam",
            "Trung ương Đoàn TNCS Hồ Chí Minh",
            "Trung ương Hội Liên hiệp Phụ nữ Việt Nam",
            "Trung ương Hội Nông dân Việt Nam",
            "Trung ương Hội Cựu chiến binh Việt Nam",
            "Tổng Liên đoàn Lao động Việt Nam",
        ],
    ),
    (
        "QD",
        "Đảng bộ Quân đội",
        "army",
        [
            "Quân khu 1",
            "Quân khu 2",
            "Quân khu 3",
            "Quân khu 4",
            "Quân khu 5",
            "Quân khu 7",
            "Quân khu 9",
            "Quân chủng Phòng không - Không quân",
            "Quân chủng Hải quân",
            "Bộ đội Biên phòng",
            "Cảnh sát biển Việt Nam",
            "Tổng cục Chính trị",
            "Bộ Tổng Tham mưu",
        ],
    ),
    (
        "CA",
        "Đảng bộ Công an Trung ương",
        "police",
        [
            "Văn phòng Bộ Công an",
            "Cục An ninh chính trị nội bộ",
            "Cục Cảnh sát hình sự",
            "Cục Cảnh sát giao thông",
            "Cục Quản lý xuất nhập cảnh",
            "Bộ Tư lệnh Cảnh sát cơ động",
            "Học viện An ninh nhân dân",
            "Học viện Cảnh sát nhân dân",
        ],
    ),
]
# What the organizations of each sector contain: (grassroots names, cells under a grassroots
# committee). "{n}" is replaced by a number.
SECTOR_UNITS = {
    "agency": (
        [
            "Vụ Tổ chức cán bộ",
            "Vụ Kế hoạch - Tài chính",
            "Vụ Pháp chế",
            "Vụ Hợp tác quốc tế",
            "Vụ Tổng hợp",
            "Thanh tra",
            "Trung tâm Thông tin",
            "Viện Nghiên cứu chiến lược",
            "Cục Quản lý chuyên ngành {n}",
            "Trường Bồi dưỡng cán bộ",
        ],
        ["Chi bộ Phòng Tổng hợp", "Chi bộ Phòng Nghiệp vụ 1", "Chi bộ Phòng Nghiệp vụ 2"],
    ),
    "army": (
        ["Sư đoàn 3{n}", "Lữ đoàn 1{n}", "Trung đoàn 8{n}", "Bệnh viện Quân y 1{n}"],
        MILITARY_UNIT_CELLS,
    ),
    "police": (
        ["Phòng Nghiệp vụ {n}", "Trung đoàn {n}", "Trung tâm Huấn luyện {n}"],
        POLICE_TEAM_CELLS,
    ),
}
